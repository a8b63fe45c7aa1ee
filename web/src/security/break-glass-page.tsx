// The security team's break-glass queue (issue 14 item 3): requests to open a locked customer's
// ticket, each with the requesting agent, the ticket and the reason, and how many of the two
// approvals it has. Approving needs two distinct security engineers, neither the requester
// (the API enforces it; the buttons say so). Refreshed every 5 s.
import { useEffect, useState } from 'react';
import { Avatar, Badge, Box, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconFlame, IconX } from '@tabler/icons-react';
import { ApiError, get, post } from '../api/client';
import type { AgentActivity, BreakGlass } from '../api/types';
import { ago, initials, until } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useMe, useSession } from '../session/session';

function BreakGlassCard({ r, names, onDecided }: { r: BreakGlass; names: ReadonlyMap<string, string>; onDecided: () => void }) {
  const me = useMe();
  const { serverNow } = useSession();
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const own = r.agentId === me.id;
  const approvedByMe = r.approvers.includes(me.id);
  const name = (id: string) => names.get(id) ?? id;

  const decide = async (verdict: 'approve' | 'deny') => {
    setBusy(verdict);
    try {
      const d = await post<BreakGlass>(`/v1/break-glass/${r.id}/${verdict}`);
      notifications.show({
        color: verdict === 'approve' ? 'orange' : 'gray',
        title: verdict === 'deny' ? 'Break-glass denied' : d.status === 'approved' ? 'Break-glass opened' : 'Approval recorded',
        message: verdict === 'deny' ? `${name(r.agentId)} was refused.` : d.status === 'approved' ? `Ticket ${r.ticketId} is open to ${name(r.agentId)} for at most an hour; the customer is told.` : 'A second security engineer must approve too.',
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The decision was not recorded', message: e instanceof ApiError ? e.message : String(e) });
    } finally {
      setBusy(null);
      onDecided();
    }
  };

  return (
    <Paper withBorder p="md" data-testid="break-glass-card" data-break-glass-id={r.id} data-approvals={r.approvers.length}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="sm" wrap="nowrap">
            <Avatar radius="xl" color="initials" name={name(r.agentId)}>{initials(name(r.agentId))}</Avatar>
            <Box>
              <Text size="sm" fw={600}>{name(r.agentId)} <Text span size="xs" c="dimmed" fw={400}>asks to break the glass on ticket</Text> <span className="kh-mono">{r.ticketId}</span></Text>
              <Text size="sm" mt={4}>“{r.reason}”</Text>
            </Box>
          </Group>
          <Stack gap={2} align="flex-end">
            <Badge color="orange" variant="light" data-testid="break-glass-count">{r.approvers.length} of 2 approvals</Badge>
            <Text size="xs" c="dimmed">asked {ago(r.createdAt, serverNow())} · lapses {until(r.expiresAt, serverNow())}</Text>
          </Stack>
        </Group>
        {r.approvers.length > 0 && <Text size="xs" c="dimmed" pl={50}>Approved so far by {r.approvers.map(name).join(', ')}</Text>}
        <Group pl={50} gap="sm">
          <Button size="xs" color="orange" leftSection={<IconCheck size={14} />} loading={busy === 'approve'} disabled={own || approvedByMe || busy !== null}
            onClick={() => void decide('approve')} data-testid="break-glass-approve">Approve</Button>
          <Button size="xs" color="red" variant="light" leftSection={<IconX size={14} />} loading={busy === 'deny'} disabled={own || busy !== null}
            onClick={() => void decide('deny')} data-testid="break-glass-deny">Deny</Button>
          {own && <Text size="xs" c="red">Your own request: two other engineers must decide it.</Text>}
          {approvedByMe && <Text size="xs" c="dimmed" data-testid="break-glass-waiting">You approved; a second, different engineer must approve too.</Text>}
        </Group>
      </Stack>
    </Paper>
  );
}

export default function BreakGlassPage() {
  const queue = useLoad(() => get<{ requests: BreakGlass[] }>('/v1/break-glass').then((r) => r.requests), []);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => new Map(r.agents.map((a) => [a.id, a.name]))), []);
  useEffect(() => {
    const t = setInterval(() => void queue.reload(), 5000);
    return () => clearInterval(t);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const list = queue.data ?? [];
  return (
    <Stack gap="lg" maw={1000}>
      <Group justify="space-between">
        <Title order={3}>Break-glass {queue.data ? <Text span c="dimmed" fz="lg">· {list.length} waiting</Text> : null}</Title>
        <Text size="xs" c="dimmed">A customer locked their data. Approve only a real emergency; two of you must agree.</Text>
      </Group>
      {queue.error ? <ErrorState error={queue.error} onRetry={() => void queue.reload()} />
        : !queue.data ? <Loading />
        : list.length === 0 ? (
          <Paper withBorder><Empty icon={<IconFlame size={22} />} title="No break-glass requests">When an agent asks to open a locked customer's ticket, the request appears here.</Empty></Paper>
        ) : (
          <Stack gap="sm" data-testid="break-glass-queue">
            {list.map((r) => <BreakGlassCard key={r.id} r={r} names={agents.data ?? new Map()} onDecided={() => void queue.reload()} />)}
          </Stack>
        )}
    </Stack>
  );
}
