// What the agent sees on a ticket whose customer locked their data (issue 14 item 3): the
// reason in plain words, what to do first (the customer can lift the lock themselves), and —
// for emergencies only — a break-glass request that two security engineers must approve. The
// request's state is polled while it waits; once approved the view loads again.
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, List, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconFlame, IconLock } from '@tabler/icons-react';
import { ApiError, get, post } from '../api/client';
import type { BreakGlass } from '../api/types';
import { shortTime, until } from '../common/format';
import { useLoad } from '../common/use-load';
import { useSession } from '../session/session';

const STATUS_WORDS: Record<BreakGlass['status'], string> = {
  pending: 'Waiting for the security team', approved: 'Approved', denied: 'Denied by the security team', expired: 'Expired', revoked: 'Revoked',
};

/** The locked-customer panel of ticket `ticketId`; `onOpened` loads the view again. */
export function BreakGlassPanel({ ticketId, onOpened }: { ticketId: string; onOpened: () => void }) {
  const { serverNow } = useSession();
  const mine = useLoad(() => get<{ requests: BreakGlass[] }>('/v1/break-glass'), []);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const latest = (mine.data?.requests ?? []).filter((r) => r.ticketId === ticketId).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const live = latest && (latest.status === 'pending' || latest.status === 'approved') && Date.parse(latest.expiresAt) > serverNow() ? latest : undefined;

  // While a request waits, look every 3 s; when it opens, load the customer again.
  useEffect(() => {
    if (live?.status === 'approved') {
      onOpened();
      return;
    }
    if (live?.status !== 'pending') return;
    const t = setInterval(() => void mine.reload(), 3000);
    return () => clearInterval(t);
  }, [live?.status, live?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await post<BreakGlass>(`/v1/tickets/${ticketId}/break-glass`, { reason: reason.trim() });
      setReason('');
      await mine.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="lg" radius="md" maw={760} data-testid="customer-locked">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={4}><IconLock size={18} style={{ verticalAlign: '-2px' }} /> The customer has locked their data</Title>
          <Text size="sm">
            This customer turned on the privacy lock in their privacy centre. While it is on, nobody in support can see their data on any ticket — this is their choice, not an error.
          </Text>
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={600}>What to do</Text>
          <List size="sm" spacing={4}>
            <List.Item>If the customer is on the line, ask them to turn the lock off in the app (Privacy centre → Privacy lock), then try again.</List.Item>
            <List.Item>If you only need to confirm who they are, ask them to read out the contact code of this ticket from their privacy centre.</List.Item>
            <List.Item>Only in an emergency — stopping a theft in progress, a legal order — ask for break-glass below. Two security engineers must approve it; it opens this ticket only, for at most an hour, and the customer is told.</List.Item>
          </List>
        </Stack>
        {live ? (
          <Alert color={live.status === 'approved' ? 'orange' : 'blue'} variant="light" icon={<IconFlame size={18} />} data-testid="break-glass-status"
            data-status={live.status} data-break-glass-id={live.id}
            title={live.status === 'approved' ? `Break-glass open until ${shortTime(live.expiresAt, serverNow())}` : STATUS_WORDS.pending}>
            <Stack gap={4}>
              <Text size="sm">Your reason: “{live.reason}”</Text>
              {live.status === 'pending' && (
                <Text size="sm" data-testid="break-glass-approvals">{live.approvers.length} of 2 approvals · the request lapses {until(live.expiresAt, serverNow())}</Text>
              )}
            </Stack>
          </Alert>
        ) : (
          <Stack gap="xs">
            {latest && <Badge color="gray" variant="light" data-testid="break-glass-last" data-status={latest.status}>Last request: {STATUS_WORDS[latest.status]}</Badge>}
            <Textarea label="Emergency reason (recorded on the audit log, shown to the customer)" placeholder="e.g. Customer reports a withdrawal in progress they did not make"
              autosize minRows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="break-glass-reason" />
            {error && <Text size="sm" c="red" data-testid="break-glass-error">{error.message}</Text>}
            <Button color="orange" leftSection={<IconFlame size={16} />} w="fit-content" disabled={reason.trim().length < 10} loading={busy}
              onClick={() => void submit()} data-testid="request-break-glass">Request break-glass</Button>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
