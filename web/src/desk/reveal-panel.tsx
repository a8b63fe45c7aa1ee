// Just-in-time reveals: the agent picks fields the purpose lets them raise, gives a reason,
// and follows the request live (pending → approved / denied). An approved grant is used once:
// "Show" loads the view, which consumes it.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Loader, MultiSelect, Paper, Stack, Text, Textarea } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';
import { ApiError, post } from '../api/client';
import type { CustomerView, RequestStatus, RevealRequest } from '../api/types';
import { approvalLabel, clockTime, shortTime, until } from '../common/format';
import { useNow } from '../common/use-load';
import { useSession } from '../session/session';
import { fieldLabel } from './fields';

const STATUS_COLOR: Readonly<Record<RequestStatus, string>> = { pending: 'yellow', approved: 'teal', denied: 'red', expired: 'gray', cancelled: 'gray' };

interface Props {
  readonly view: CustomerView;
  readonly requests: readonly RevealRequest[];
  readonly usedGrants: ReadonlySet<string>;
  readonly onRequested: (r: RevealRequest) => void;
  readonly onShow: () => Promise<void>;
}

/** The grant's state as the server says it: live (with its expiry), used, ended early or expired. */
function grantState(r: RevealRequest, usedHere: boolean, now: number): 'live' | 'used' | 'revoked' | 'expired' | null {
  if (!r.grant) return null;
  if (r.grant.usedAt || usedHere) return 'used';
  if (r.grant.revokedAt) return 'revoked';
  return Date.parse(r.grant.expiresAt) > now ? 'live' : 'expired';
}

function RequestItem({ r, used, onShow }: { r: RevealRequest; used: boolean; onShow: () => Promise<void> }) {
  const { serverNow } = useSession();
  const [busy, setBusy] = useState(false);
  useNow(15_000);
  const state = r.status === 'approved' ? grantState(r, used, serverNow()) : null;
  return (
    <Stack gap={4} className="kh-row" py="sm" data-request-id={r.id} data-status={r.status} data-grant={state ?? undefined}>
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" fw={500}>{r.fields.map(fieldLabel).join(', ')}</Text>
        <Badge color={STATUS_COLOR[r.status]} variant="light" leftSection={r.status === 'pending' ? <Loader size={8} color="yellow" /> : null}>{r.status}</Badge>
      </Group>
      <Text size="xs" c="dimmed">“{r.reason}” · {shortTime(r.createdAt, serverNow())}</Text>
      {r.status === 'pending' && <Text size="xs" c="dimmed">Waiting for {approvalLabel(r.approval)}; the request lapses {until(r.expiresAt, serverNow())}. This updates by itself.</Text>}
      {r.status === 'expired' && <Text size="xs" c="dimmed">Nobody decided in time. Ask again if the customer still needs it.</Text>}
      {r.status !== 'pending' && r.decidedByName && <Text size="xs">{r.status === 'approved' ? 'Approved' : 'Decided'} by {r.decidedByName}{r.comment ? `: “${r.comment}”` : ''}</Text>}
      {state === 'live' && r.grant && (
        <Group gap="xs">
          <Button size="xs" leftSection={<IconEye size={14} />} loading={busy} w="fit-content" data-testid="show-revealed"
            onClick={() => { setBusy(true); void onShow().finally(() => setBusy(false)); }}>
            Show value (once)
          </Button>
          <Text size="xs" c="dimmed" data-testid="grant-expiry">usable until {clockTime(r.grant.expiresAt)} ({until(r.grant.expiresAt, serverNow())})</Text>
        </Group>
      )}
      {state === 'used' && <Text size="xs" c="dimmed" data-testid="grant-used">Used: the value was shown once{r.grant?.usedAt ? ` at ${clockTime(r.grant.usedAt)}` : ''}.</Text>}
      {state === 'expired' && <Text size="xs" c="dimmed" data-testid="grant-expired">Expired unused at {r.grant ? clockTime(r.grant.expiresAt) : ''}. Ask again if you still need it.</Text>}
      {state === 'revoked' && <Text size="xs" c="dimmed" data-testid="grant-revoked">Ended early{r.grant?.revokedAt ? ` at ${clockTime(r.grant.revokedAt)}` : ''} (by the customer, a lock or a suspension).</Text>}
    </Stack>
  );
}

export function RevealPanel({ view, requests, usedGrants, onRequested, onShow }: Props) {
  const options = view.fields.filter((f) => f.revealable).map((f) => ({ value: f.name, label: fieldLabel(f.name) }));
  const [fields, setFields] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const ok = fields.length > 0 && reason.trim().length >= 5;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onRequested(await post<RevealRequest>(`/v1/tickets/${view.ticketId}/reveals`, { fields, reason: reason.trim() }));
      setFields([]);
      setReason('');
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" data-testid="reveal-panel">
      <Stack gap="sm">
        <Text fw={600}>Request a reveal</Text>
        {options.length === 0 ? (
          <Text size="sm" c="dimmed">Nothing on this ticket can be raised above what you see. If the customer needs more, change the ticket's purpose with your supervisor.</Text>
        ) : (
          <form onSubmit={(e) => { e.preventDefault(); if (ok) void submit(); }}>
            <Stack gap="sm">
              <MultiSelect label="Fields" placeholder={fields.length ? '' : 'Pick the fields you need'} data={options} value={fields} onChange={setFields} data-testid="reveal-fields" comboboxProps={{ withinPortal: true }} />
              <Textarea label="Reason" description="Shown to the approver and kept on the audit log" placeholder="Why this ticket needs the full value" autosize minRows={2} maxLength={500}
                value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="reveal-reason" data-shortcut="reveal-reason" />
              <Button type="submit" disabled={!ok} loading={busy} w="fit-content">Send request</Button>
              {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
            </Stack>
          </form>
        )}
        {requests.length > 0 && (
          <Stack gap={0} mt="xs" data-testid="reveal-requests">
            <Text size="xs" fw={600} tt="uppercase" c="dimmed">Requests on this ticket</Text>
            {requests.map((r) => <RequestItem key={r.id} r={r} used={r.grant !== null && usedGrants.has(r.grant.id)} onShow={onShow} />)}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
