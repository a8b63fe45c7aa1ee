// One access receipt: who, what, on which ticket and why, the fields and the level each was
// seen at, when — rendered from the record parsed out of the log leaf once it verified — and
// the verification state: verified, pending (not in a checkpoint yet) or a clear warning.
import { useState } from 'react';
import { Anchor, Avatar, Badge, Box, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconClockHour4, IconFlame, IconShieldCheck, IconUser } from '@tabler/icons-react';
import { purposeLabel, shortTime } from '../common/format';
import { fieldLabel } from '../desk/fields';
import type { Receipt } from './api';
import { describeAction, exposedFields, levelWords } from './describe-receipt';
import type { LeafRecord } from './leaf';
import type { ReceiptCheck } from './receipt-verifier';

/** Fields shown before "+N more". */
const FEW = 6;

const PENDING_WHY = {
  not_sequenced: 'Just recorded. It joins the public log within seconds; this page checks again by itself.',
  after_checkpoint: 'On the log, waiting for its next signed checkpoint; this page checks again by itself.',
  no_checkpoint: 'The log has not signed its first checkpoint yet; this page checks again by itself.',
} as const;

function Status({ check }: { check: ReceiptCheck | null }) {
  if (!check) return <Badge color="gray" variant="light">Checking…</Badge>;
  if (check.state === 'verified') {
    return (
      <Tooltip multiline w={280} label={`Record #${check.index} is in the signed log of ${check.treeSize} records: your browser checked the signature and the proof itself.`}>
        <Badge color="teal" variant="light" leftSection={<IconShieldCheck size={12} />}>Verified</Badge>
      </Tooltip>
    );
  }
  if (check.state === 'pending') {
    return (
      <Tooltip multiline w={280} label={PENDING_WHY[check.why]}>
        <Badge color="yellow" variant="light" leftSection={<IconClockHour4 size={12} />}>Pending</Badge>
      </Tooltip>
    );
  }
  return <Badge color="red" variant="filled" leftSection={<IconAlertTriangle size={12} />}>Not verified</Badge>;
}

/** What the row shows: the leaf's record when we have one, else the server's (pending) fields. */
function shown(receipt: Receipt, check: ReceiptCheck | null): LeafRecord | Receipt {
  return check && check.state !== 'failed' && check.record ? check.record : receipt;
}

export function ReceiptItem({ receipt, check, now }: { receipt: Receipt; check: ReceiptCheck | null; now: number }) {
  const r = shown(receipt, check);
  const who = r.byCustomer ? 'You' : receipt.agent?.pseudonym ?? 'Keyhole';
  const fields = exposedFields(r.fields);
  const [all, setAll] = useState(false);
  const failed = check?.state === 'failed';
  return (
    <Paper withBorder p="md" radius="md" className="kh-receipt" data-testid="receipt" data-action={r.action} data-approved-by={receipt.approvedBy ?? undefined} data-state={check?.state ?? 'checking'}
      data-break-glass={r.breakGlass} data-by-customer={r.byCustomer} data-seq={receipt.seq ?? ''}
      style={failed ? { borderColor: 'var(--mantine-color-red-6)' } : r.breakGlass ? { borderColor: 'var(--mantine-color-orange-6)' } : undefined}>
      <Group align="flex-start" wrap="nowrap" gap="md">
        <Avatar radius="xl" color={r.byCustomer ? 'brand' : r.breakGlass ? 'orange' : 'gray'} variant="light">
          {r.byCustomer ? <IconUser size={18} /> : r.breakGlass ? <IconFlame size={18} /> : (receipt.agent?.pseudonym ?? 'K').split(' ').map((w) => w[0]).slice(0, 2).join('')}
        </Avatar>
        <Stack gap={6} style={{ flex: 1, minWidth: 0 }}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Box>
              <Text size="sm" data-testid="receipt-text"><Text span fw={600}>{who}</Text> {describeAction(r.action, r.byCustomer, {
                matched: r.matched ?? null, approvedBy: receipt.approvedBy ?? null, protectionKind: r.protectionKind ?? null, hours: r.hours ?? null,
              })}</Text>
              <Text size="xs" c="dimmed">
                {[receipt.agent && !r.byCustomer ? `${receipt.agent.team} team · ${receipt.agent.vendor}` : null,
                  r.ticketId ? `ticket ${r.ticketId}` : null, receipt.purpose ? purposeLabel(receipt.purpose) : null].filter(Boolean).join(' · ')}
              </Text>
            </Box>
            <Group gap={6} wrap="nowrap">
              {r.breakGlass && <Badge color="orange" variant="filled" leftSection={<IconFlame size={12} />}>Break-glass</Badge>}
              {r.byCustomer && <Badge color="brand" variant="light">Your action</Badge>}
              {r.decision === 'deny' && <Badge color="gray" variant="outline">Refused</Badge>}
              <Status check={check} />
            </Group>
          </Group>
          {fields.length > 0 && (
            <Group gap={6}>
              {(all ? fields : fields.slice(0, FEW)).map(([f, level]) => {
                const w = levelWords(level, r.action);
                // A value shown through a grant the customer allowed stands out.
                const color = level === 'revealed' && r.action === 'grant_use' ? 'orange' : w.color;
                return <Badge key={f} variant="light" color={color} data-field={f} data-level={level}>{fieldLabel(f)}: {w.label}</Badge>;
              })}
              {fields.length > FEW && (
                <Anchor component="button" size="xs" onClick={() => setAll((a) => !a)}>{all ? 'Show fewer' : `+${fields.length - FEW} more`}</Anchor>
              )}
            </Group>
          )}
          <Text size="xs" c="dimmed">{shortTime(r.time, now)}{receipt.seq !== null ? ` · log record #${receipt.seq}` : ''}</Text>
          {failed && (
            <Text size="sm" c="red" fw={500} data-testid="receipt-warning">
              {check.reason} What is shown here came from the server and could not be confirmed.
            </Text>
          )}
        </Stack>
      </Group>
    </Paper>
  );
}
