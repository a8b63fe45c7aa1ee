// The approvals queue (supervisors and security): pending reveal requests, live over SSE, each
// with the requester, the ticket, the fields and the reason; approve (with a grant lifetime)
// or deny, with a comment. One's own requests never appear (the server also refuses them).
// `j`/`k` select, `a` approves, `d` denies.
import { useState } from 'react';
import { Avatar, Badge, Box, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChecklist, IconCheck, IconX } from '@tabler/icons-react';
import { ApiError, get, post } from '../api/client';
import type { RevealRequest } from '../api/types';
import { ago, approvalLabel, initials, purposeLabel, shortTime, until } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad, useNow } from '../common/use-load';
import { fieldLabel } from '../desk/fields';
import { useLiveEvent, useMe, useSession } from '../session/session';
import { useHotkeys } from '../shell/hotkeys';
import { ApprovalContextView } from './approval-context';

const DURATIONS = [{ value: '5', label: '5 min' }, { value: '15', label: '15 min' }, { value: '30', label: '30 min' }, { value: '60', label: '60 min' }];

function RequestCard({ r, selected, onDecided, onSelect }: { r: RevealRequest; selected: boolean; onDecided: () => void; onSelect: () => void }) {
  const me = useMe();
  const { serverNow } = useSession();
  const [comment, setComment] = useState('');
  const [minutes, setMinutes] = useState('15');
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const own = r.agentId === me.id;

  const decide = async (verdict: 'approve' | 'deny') => {
    setBusy(verdict);
    try {
      await post<RevealRequest>(`/v1/reveal-requests/${r.id}/${verdict}`, {
        ...(comment.trim() ? { comment: comment.trim() } : {}), ...(verdict === 'approve' ? { durationMinutes: Number(minutes) } : {}),
      });
      notifications.show({ color: verdict === 'approve' ? 'teal' : 'gray', title: verdict === 'approve' ? 'Approved' : 'Denied', message: `${r.agentName ?? r.agentId}: ${r.fields.map(fieldLabel).join(', ')}` });
      onDecided();
    } catch (e) {
      notifications.show({ color: 'red', title: 'The decision was not recorded', message: e instanceof ApiError ? e.message : String(e) });
      setBusy(null);
      onDecided();
    }
  };
  useHotkeys(selected && !own ? { a: () => void decide('approve'), d: () => void decide('deny') } : {});

  return (
    <Paper withBorder p="md" onClick={onSelect} data-request-id={r.id} data-testid="approval-card"
      style={selected ? { boxShadow: 'inset 3px 0 0 var(--mantine-color-brand-6)' } : undefined}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="sm" wrap="nowrap">
            <Avatar radius="xl" color="initials" name={r.agentName ?? r.agentId}>{initials(r.agentName ?? r.agentId)}</Avatar>
            <Box>
              <Text size="sm" fw={600}>{r.agentName ?? r.agentId} <Text span size="xs" c="dimmed" fw={400}>asks to reveal</Text></Text>
              <Group gap={4} mt={4}>{r.fields.map((f) => <Badge key={f} variant="light" color="orange">{fieldLabel(f)}</Badge>)}</Group>
            </Box>
          </Group>
          <Stack gap={0} align="flex-end">
            <Text size="xs" c="dimmed">{shortTime(r.createdAt, serverNow())} · {ago(r.createdAt, serverNow())}</Text>
            <Text size="xs" c="dimmed">expires {until(r.expiresAt, serverNow())}</Text>
          </Stack>
        </Group>
        <Box pl={50}>
          <Text size="sm" mb={4}>“{r.reason}”</Text>
          <Text size="xs" c="dimmed">
            Ticket <span className="kh-mono">{r.ticketId}</span> · {r.ticketSubject ?? ''} · {purposeLabel(r.ticketPurpose ?? '')} · needs {approvalLabel(r.approval)}
          </Text>
          <Box mt={6}><ApprovalContextView requestId={r.id} /></Box>
        </Box>
        <Group pl={50} gap="sm" align="flex-end" wrap="nowrap">
          <TextInput size="xs" style={{ flex: 1 }} placeholder="Comment for the agent and the audit log (optional)" value={comment}
            onChange={(e) => setComment(e.currentTarget.value)} maxLength={500} aria-label="Comment" />
          <Select size="xs" w={96} data={DURATIONS} value={minutes} onChange={(v) => setMinutes(v ?? '15')} allowDeselect={false} aria-label="Grant lifetime" />
          <Button size="xs" color="teal" leftSection={<IconCheck size={14} />} loading={busy === 'approve'} disabled={own || busy !== null} onClick={() => void decide('approve')} data-testid="approve">Approve</Button>
          <Button size="xs" color="red" variant="light" leftSection={<IconX size={14} />} loading={busy === 'deny'} disabled={own || busy !== null} onClick={() => void decide('deny')} data-testid="deny">Deny</Button>
        </Group>
        {own && <Text size="xs" c="red" pl={50}>This is your own request: someone else must decide it.</Text>}
      </Stack>
    </Paper>
  );
}

export function ApprovalsPage() {
  const pending = useLoad(() => get<{ requests: RevealRequest[] }>('/v1/reveal-requests?status=pending').then((r) => r.requests), []);
  const recent = useLoad(() => get<{ requests: RevealRequest[] }>('/v1/reveal-requests').then((r) => r.requests.filter((x) => x.status !== 'pending').slice(0, 8)), []);
  const [selected, setSelected] = useState(0);
  const { serverNow } = useSession();
  useNow(30_000);
  const reload = () => {
    void pending.reload();
    void recent.reload();
  };
  useLiveEvent('reveal_request', reload);
  const list = pending.data ?? [];
  useHotkeys({ j: () => setSelected((s) => Math.min(s + 1, list.length - 1)), k: () => setSelected((s) => Math.max(s - 1, 0)) });

  return (
    <Stack gap="lg" maw={1000}>
      <Group justify="space-between">
        <Title order={3}>Approvals {pending.data ? <Text span c="dimmed" fz="lg">· {list.length} pending</Text> : null}</Title>
        <Text size="xs" c="dimmed">Four-eyes: approve only what the ticket needs. Each approval is a single-use grant.</Text>
      </Group>
      {pending.error ? <ErrorState error={pending.error} onRetry={() => void pending.reload()} />
        : !pending.data ? <Loading />
        : list.length === 0 ? (
          <Paper withBorder><Empty icon={<IconChecklist size={22} />} title="No requests waiting">New reveal requests appear here the moment an agent sends them. You can leave this page open.</Empty></Paper>
        ) : (
          <Stack gap="sm" data-testid="approval-queue">
            {list.map((r, i) => <RequestCard key={r.id} r={r} selected={i === selected} onSelect={() => setSelected(i)} onDecided={reload} />)}
          </Stack>
        )}
      {recent.data && recent.data.length > 0 && (
        <Stack gap="xs">
          <Text size="xs" fw={600} tt="uppercase" c="dimmed">Recently decided</Text>
          <Paper withBorder>
            {recent.data.map((r) => (
              <Group key={r.id} className="kh-row" px="md" py={8} justify="space-between" wrap="nowrap">
                <Text size="sm">{r.agentName ?? r.agentId} · {r.fields.map(fieldLabel).join(', ')}</Text>
                <Group gap="xs" wrap="nowrap">
                  <Text size="xs" c="dimmed">{r.decidedByName ? `by ${r.decidedByName}` : ''} {r.decidedAt ? ago(r.decidedAt, serverNow()) : ''}</Text>
                  <Badge variant="light" color={r.status === 'approved' ? 'teal' : r.status === 'denied' ? 'red' : 'gray'}>{r.status}</Badge>
                </Group>
              </Group>
            ))}
          </Paper>
        </Stack>
      )}
    </Stack>
  );
}
