// Reveal requests that need the customer's consent, live: who asks (the agent's pseudonym on
// the ticket), for which fields and why, with the 10-minute countdown. The customer approves
// with their passkey (user verification) for a duration they choose, or denies.
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Progress, SegmentedControl, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconFingerprint, IconHandStop, IconX } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { countdown } from '../common/format';
import { useNow } from '../common/use-load';
import { fieldLabel } from '../desk/fields';
import { portalApi, type ConsentRequest, type SupportContact } from './api';
import { approveWithPasskey } from './passkeys';
import { useCustomer, usePortalSession } from './portal-session';
import { RegisterPasskeyButton } from './passkey-card';

const DURATIONS = [5, 15, 30, 60] as const;

/** "Total balance" → "total balance" mid-sentence; acronyms ("KYC documents") stay. */
const inSentence = (label: string) => (/^[A-Z][a-z-]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label);

function RequestCard({ r, contact, onDone }: { r: ConsentRequest; contact: SupportContact | undefined; onDone: () => Promise<void> }) {
  const me = useCustomer();
  const { serverNow } = usePortalSession();
  const [minutes, setMinutes] = useState('15');
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useNow(1000);
  const left = Date.parse(r.expiresAt) - serverNow();
  const total = Math.max(1, Date.parse(r.expiresAt) - Date.parse(r.createdAt));
  const expired = left <= 0;
  const what = r.fields.map((f) => inSentence(fieldLabel(f))).join(', ');
  useEffect(() => {
    if (expired) void onDone(); // the server drops it from the list
  }, [expired, onDone]);

  const answer = async (verdict: 'approve' | 'deny') => {
    setBusy(verdict);
    setError(null);
    try {
      if (verdict === 'approve') await approveWithPasskey(r.id, Number(minutes));
      else await portalApi.deny(r.id);
      notifications.show(verdict === 'approve'
        ? { color: 'teal', icon: <IconCheck size={18} />, title: 'Approved', message: `Your ${what}: the agent can see it once, within ${minutes} minutes. You can end it any time below.` }
        : { color: 'gray', icon: <IconX size={18} />, title: 'Refused', message: `Your ${what} stays hidden from the agent.` });
      await onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Paper withBorder p="md" radius="md" shadow="xs" data-testid="consent-request" data-request-id={r.id}
      style={{ borderColor: 'var(--mantine-color-yellow-5)', borderWidth: 2 }}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={2}>
            <Text fw={600}>{contact?.agentPseudonym ?? 'A support agent'} asks to see your {what}</Text>
            <Text size="sm" c="dimmed">On ticket {r.ticketId}{contact ? ` — “${contact.subject}”` : ''}{r.supervisorApproved ? ' · a supervisor already approved' : ''}</Text>
          </Stack>
          <Badge color={expired ? 'gray' : left < 120_000 ? 'red' : 'yellow'} variant="light" size="lg" data-testid="consent-countdown">
            {expired ? 'Expired' : `Expires in ${countdown(left)}`}
          </Badge>
        </Group>
        <Progress value={expired ? 0 : (left / total) * 100} color={left < 120_000 ? 'red' : 'yellow'} size="xs" />
        <Text size="sm">Their reason: “{r.reason}”</Text>
        {me.passkeys === 0 ? (
          <Alert color="yellow" variant="light" title="Create a passkey to answer">
            <Stack gap="xs">
              <Text size="sm">Approving needs your passkey, so nobody who gets into your e-mail or phone can approve for you. You can refuse without one.</Text>
              <Group><RegisterPasskeyButton /><Button variant="default" color="red" loading={busy === 'deny'} onClick={() => void answer('deny')}>Refuse</Button></Group>
            </Stack>
          </Alert>
        ) : (
          <Group justify="space-between" align="flex-end">
            <Stack gap={4}>
              <Text size="xs" c="dimmed">Allow for</Text>
              <SegmentedControl size="xs" value={minutes} onChange={setMinutes} disabled={expired || busy !== null} data-testid="consent-duration"
                data={DURATIONS.map((m) => ({ value: String(m), label: m === 60 ? '1 hour' : `${m} min` }))} />
            </Stack>
            <Group gap="xs">
              <Button variant="default" leftSection={<IconHandStop size={16} />} disabled={expired || busy === 'approve'} loading={busy === 'deny'}
                onClick={() => void answer('deny')} data-testid="consent-deny">Refuse</Button>
              <Button color="teal" leftSection={<IconFingerprint size={16} />} disabled={expired || busy === 'deny'} loading={busy === 'approve'}
                onClick={() => void answer('approve')} data-testid="consent-approve">Approve with passkey</Button>
            </Group>
          </Group>
        )}
        <Text size="xs" c="dimmed">If you do nothing, the request expires and the agent sees nothing more. They see the value once; you can end it early.</Text>
        {error && <Alert color="red" variant="light" title={error.message} data-testid="consent-error">Error code {error.code}. {error.code === 'REQUEST_NOT_PENDING' ? 'It was already answered or has expired.' : 'Try again.'}</Alert>}
      </Stack>
    </Paper>
  );
}

/** The pending requests, or nothing at all when there are none. */
export function ConsentRequests({ requests, contacts, onDone }: { requests: readonly ConsentRequest[]; contacts: readonly SupportContact[]; onDone: () => Promise<void> }) {
  if (requests.length === 0) return null;
  return (
    <Stack gap="sm" data-testid="consent-requests">
      {requests.map((r) => <RequestCard key={r.id} r={r} contact={contacts.find((c) => c.ticketId === r.ticketId)} onDone={onDone} />)}
    </Stack>
  );
}
