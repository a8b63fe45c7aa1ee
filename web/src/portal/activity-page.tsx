// "Who looked at my data": every access to the customer's record, newest first, each checked in
// this browser against the signed transparency log. A summary says how many verified, a red
// alert says when something does not, and a short note explains what "verified" means.
import { useMemo, useState } from 'react';
import { Alert, Button, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconEye, IconRefresh, IconShieldCheck } from '@tabler/icons-react';
import { shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useNow } from '../common/use-load';
import { usePortalSession } from './portal-session';
import { groupReceipts, type ReceiptGroup } from './group-receipts';
import { ReceiptItem } from './receipt-item';
import { useVerifiedReceipts, type CheckedReceipt } from './use-verified-receipts';
import { logOrigin, type LogKeys } from './receipt-verifier';
import type { NoteVerifier } from '../../../src/shared/tlog/vkey.js';

const keyList = (k: LogKeys): readonly NoteVerifier[] => (Array.isArray(k) ? k : [k as NoteVerifier]);

type Filter = 'all' | 'staff' | 'mine' | 'break_glass';

const FILTERS: Readonly<Record<Filter, (c: CheckedReceipt) => boolean>> = {
  all: () => true,
  staff: (c) => !c.receipt.byCustomer,
  mine: (c) => c.receipt.byCustomer,
  break_glass: (c) => c.receipt.breakGlass,
};

function Summary({ items }: { items: readonly CheckedReceipt[] }) {
  const count = (s: string) => items.filter((i) => i.check?.state === s).length;
  const [verified, pending, failed] = [count('verified'), count('pending'), count('failed')];
  return (
    <Group gap="lg" data-testid="receipts-summary" data-verified={verified} data-pending={pending} data-failed={failed}>
      <Text size="sm"><Text span fw={700}>{items.length}</Text> records</Text>
      <Text size="sm" c="teal"><Text span fw={700}>{verified}</Text> verified</Text>
      {pending > 0 && <Text size="sm" c="yellow.8"><Text span fw={700}>{pending}</Text> pending</Text>}
      {failed > 0 && <Text size="sm" c="red"><Text span fw={700}>{failed}</Text> not verified</Text>}
    </Group>
  );
}

/** One contact: the newest receipt, and the alike ones after it behind "N more like this". */
function GroupItem({ g, now }: { g: ReceiptGroup; now: number }) {
  const [open, setOpen] = useState(false);
  const [first, ...rest] = g.items;
  if (!first) return null;
  const oldest = rest[rest.length - 1];
  return (
    <Stack gap={4} data-testid="receipt-group" data-count={g.items.length}>
      <ReceiptItem receipt={first.receipt} check={first.check} now={now} />
      {rest.length > 0 && (
        <Button variant="subtle" size="compact-xs" w="fit-content" onClick={() => setOpen((o) => !o)} data-testid="receipt-group-toggle">
          {open ? 'Hide the others' : `The same ${rest.length} more time${rest.length === 1 ? '' : 's'}${oldest ? `, since ${shortTime(oldest.receipt.time, now)}` : ''} — show each`}
        </Button>
      )}
      {open && rest.map((c) => <ReceiptItem key={c.key} receipt={c.receipt} check={c.check} now={now} />)}
    </Stack>
  );
}

export default function ActivityPage() {
  const { serverNow } = usePortalSession();
  const r = useVerifiedReceipts();
  const [filter, setFilter] = useState<Filter>('all');
  useNow(60_000);
  const shown = useMemo(() => (r.items ?? []).filter(FILTERS[filter]), [r.items, filter]);
  const failed = (r.items ?? []).filter((i) => i.check?.state === 'failed').length;
  const key = r.head?.key;

  return (
    <Stack gap="lg" maw={920}>
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={2}>Who looked at my data</Title>
          <Text c="dimmed" size="sm">Every time someone at support opened, checked or saw your data — and what you did — newest first.</Text>
        </Stack>
        <Button variant="default" leftSection={<IconRefresh size={16} />} loading={r.checking} onClick={() => void r.reload()}>Check again</Button>
      </Group>
      {(failed > 0 || r.logProblem) && (
        <Alert color="red" variant="filled" icon={<IconAlertTriangle size={20} />} title="Some records could not be verified" data-testid="verification-warning" data-log-problem={r.logProblem ? "true" : "false"}>
          {r.logProblem ?? `${failed} record${failed === 1 ? '' : 's'} on this page do${failed === 1 ? 'es' : ''} not match the signed public log. The list may have been altered on its way to you.`}{' '}
          Do not rely on them; contact us through the app or website (not a number someone gave you) and mention this warning.
        </Alert>
      )}
      <Paper withBorder p="md" radius="md" bg="light-dark(var(--mantine-color-brand-0), var(--mantine-color-dark-6))">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <IconShieldCheck size={22} color="var(--mantine-color-teal-6)" style={{ flexShrink: 0 }} />
          <Text size="sm">
            <Text span fw={600}>Verified</Text> means your browser itself checked that this exact record is in our append-only access log,
            whose state we sign and cannot quietly change. We cannot hide an access from you without this page noticing.
            {key && <Text span c="dimmed"> Log <span className="kh-mono">{logOrigin(key)}</span>, {keyList(key).length > 1 ? 'keys' : 'key'} {keyList(key).map((k) => k.keyHash.toString(16).padStart(8, '0')).join(' and ')}.</Text>}
            {r.head?.cosignedBy && r.head.cosignedBy.length > 0 && (
              <Text span c="dimmed" data-testid="log-witnesses"> Cosigned by independent witnesses: <span className="kh-mono">{r.head.cosignedBy.join(', ')}</span>.</Text>
            )}
          </Text>
        </Group>
      </Paper>
      {r.error && !r.items ? <ErrorState error={r.error} onRetry={() => void r.reload()} /> : !r.items ? <Loading /> : r.items.length === 0 ? (
        <Empty icon={<IconEye size={22} />} title="Nobody has looked at your data">
          When someone at support opens your account — always on a ticket — it appears here within seconds, with their name tag, team and why.
        </Empty>
      ) : (
        <Stack gap="sm">
          <Group justify="space-between">
            <Summary items={r.items} />
            <SegmentedControl size="xs" value={filter} onChange={(v) => setFilter(v as Filter)}
              data={[{ value: 'all', label: 'All' }, { value: 'staff', label: 'Support staff' }, { value: 'mine', label: 'My actions' }, { value: 'break_glass', label: 'Break-glass' }]} />
          </Group>
          {r.error && <ErrorState error={r.error} onRetry={() => void r.reload()} />}
          <Stack gap="xs" data-testid="receipts">
            {groupReceipts(shown).map((g) => <GroupItem key={g.key} g={g} now={serverNow()} />)}
            {shown.length === 0 && <Text size="sm" c="dimmed" ta="center" py="lg">No records of this kind. Choose “All” to see everything.</Text>}
          </Stack>
        </Stack>
      )}
    </Stack>
  );
}
