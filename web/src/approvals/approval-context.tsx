// Beside a reveal request, what the decider needs to judge it (issue 14 item 8): the caller's
// identity checks on this ticket (match / no match, never a value), the agent's last 24 hours
// of reveals and their risk, whether the customer must consent and what they said, and a link to
// the ticket.
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import { Link } from 'react-router';
import { get } from '../api/client';
import type { ApprovalContext } from '../api/types';
import { clockTime } from '../common/format';
import { useLoad } from '../common/use-load';
import { fieldLabel } from '../desk/fields';

const RISK_COLOR: Readonly<Record<string, string>> = { none: 'gray', alert: 'yellow', step_up: 'orange', contain: 'red' };

function Verification({ c }: { c: ApprovalContext }) {
  if (c.verification.length === 0) {
    return <Text size="xs" c="orange" data-testid="ctx-verification" data-verified="none">No identity check of the caller on this ticket yet.</Text>;
  }
  const latest = new Map(c.verification.map((v) => [v.field, v]));
  const passed = [...latest.values()].some((v) => v.matched);
  return (
    <Group gap={6} data-testid="ctx-verification" data-verified={passed ? 'matched' : 'failed'}>
      <Text size="xs">Caller checks:</Text>
      {[...latest.values()].map((v) => (
        <Badge key={v.field} size="xs" variant="light" color={v.matched ? 'teal' : 'red'} leftSection={v.matched ? <IconCheck size={10} /> : <IconX size={10} />}>
          {fieldLabel(v.field)} {v.matched ? 'matched' : 'no match'} {clockTime(v.at)}
        </Badge>
      ))}
    </Group>
  );
}

/** The decider's context of request `requestId`, loaded when the card shows. */
export function ApprovalContextView({ requestId }: { requestId: string }) {
  const ctx = useLoad(() => get<ApprovalContext>(`/v1/reveal-requests/${encodeURIComponent(requestId)}/context`), [requestId]);
  const c = ctx.data;
  if (ctx.error) return <Text size="xs" c="dimmed">Context unavailable: {ctx.error.message}</Text>;
  if (!c) return null;
  return (
    <Stack gap={4} data-testid="approval-context">
      <Verification c={c} />
      <Group gap="md">
        <Text size="xs" data-testid="ctx-recent">Agent, last 24 h: {c.recent.reveals} value{c.recent.reveals === 1 ? '' : 's'} shown · {c.recent.requests} request{c.recent.requests === 1 ? '' : 's'}{c.recent.denied ? ` (${c.recent.denied} denied)` : ''}</Text>
        {c.risk && <Badge size="xs" variant="light" color={RISK_COLOR[c.risk.level] ?? 'gray'} data-testid="ctx-risk">risk {c.risk.score.toFixed(1)} · {c.risk.level.replace('_', '-')}</Badge>}
      </Group>
      <Group gap="md">
        <Text size="xs" data-testid="ctx-consent" data-consent={c.consent.needed ? (c.consent.verdict ?? 'waiting') : 'not_needed'}>
          {c.consent.needed
            ? c.consent.verdict === 'approved' ? 'The customer approved with their passkey.' : c.consent.verdict === 'denied' ? 'The customer refused.' : 'The customer must consent too: waiting for them.'
            : 'No customer consent needed for these fields.'}
        </Text>
        <Anchor component={Link} to={`/tickets/${encodeURIComponent(c.ticket.id)}`} size="xs" data-testid="ctx-ticket-link">Open ticket {c.ticket.id}</Anchor>
      </Group>
    </Stack>
  );
}
