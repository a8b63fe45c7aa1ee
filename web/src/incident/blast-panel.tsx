// The blast radius of an incident, exact from the signed log: the totals, then one row per
// affected customer and field (highest level, how often, first and last time, the log entries —
// each opens its inclusion proof) a page at a time from the server, and CSV / JSON exports of
// every customer (each export is recorded).
import { Fragment, useState } from 'react';
import { Alert, Badge, Button, Group, Pagination, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconSearch, IconUsers } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { dateTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { LevelBadge } from '../desk/level-badge';
import { BlastTotalsView } from './blast-totals-view';
import { download } from './download';
import { incidentApi, type BlastCustomer, type BlastRadius } from './incident-api';
import { ProofsModal } from './proofs-modal';
import { exposedFieldLabel } from './words';

const PAGE = 50;

function Exports({ incidentId, onExported }: { incidentId: string; onExported: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (format: 'csv' | 'json') => {
    setBusy(format);
    try {
      await download(incidentApi.exportUrl(incidentId, format), `${incidentId}-blast-radius.${format}`);
      onExported();
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e));
      notifications.show({ color: 'red', title: err.message, message: `Error code ${err.code}` });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Group gap="xs">
      <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} loading={busy === 'csv'} onClick={() => void run('csv')} data-testid="export-csv">CSV</Button>
      <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} loading={busy === 'json'} onClick={() => void run('json')} data-testid="export-json">JSON</Button>
    </Group>
  );
}

/** Account attributes shown to every agent (tier, status, country…): not counted as seen in full. */
const PLAIN = new Set(['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt']);

/** How a customer's fields were seen, split: in full, masked or as a range, checkable only. */
function seenSplit(c: BlastCustomer): { full: number; partly: number; checkable: number } {
  const sensitive = c.fields.filter((f) => !PLAIN.has(f.field) && f.field !== 'existence');
  return {
    full: sensitive.filter((f) => f.level === 'revealed').length,
    partly: sensitive.filter((f) => f.level === 'masked' || f.level === 'banded').length,
    checkable: sensitive.filter((f) => f.level === 'verify_only').length,
  };
}

function CustomerRows({ c, onProof }: { c: BlastCustomer; onProof: (customerId: string, seq: number | null) => void }) {
  return (
    <>
      {c.fields.map((f, i) => (
        <Table.Tr key={f.field} data-blast-customer={c.customerId} data-blast-field={f.field} data-level={f.level}>
          {i === 0 && (
            <Table.Td rowSpan={c.fields.length} style={{ verticalAlign: 'top' }}>
              <Text size="sm" className="kh-mono">{c.customerId}</Text>
              <Text size="xs" c="dimmed">{c.accountId} · {c.jurisdiction} · {c.tier}</Text>
              {(() => {
                const s = seenSplit(c);
                return (
                  <Text size="xs" mt={2} data-testid="blast-split" data-full={s.full} data-partly={s.partly}>
                    <Text span c={s.full > 0 ? 'red' : 'dimmed'} fw={s.full > 0 ? 600 : 400}>{s.full} seen in full</Text> · {s.partly} masked or as a range{s.checkable ? ` · ${s.checkable} checkable only` : ''}
                  </Text>
                );
              })()}
              <Group gap={4} mt={4}>
                {c.highBalance && <Badge size="xs" color="orange" variant="light">high balance</Badge>}
                <Button size="compact-xs" variant="subtle" onClick={() => onProof(c.customerId, null)} data-testid={`proofs-${c.customerId}`}>Proofs ({c.seqs.length})</Button>
              </Group>
            </Table.Td>
          )}
          <Table.Td>{exposedFieldLabel(f.field)}</Table.Td>
          <Table.Td><LevelBadge level={f.level} /></Table.Td>
          <Table.Td ta="right" className="kh-mono">{f.count}</Table.Td>
          <Table.Td style={{ whiteSpace: 'nowrap' }}><Text size="xs">{dateTime(f.firstAt)}{f.lastAt !== f.firstAt ? ` → ${dateTime(f.lastAt)}` : ''}</Text></Table.Td>
          <Table.Td>
            <Group gap={2}>
              {f.seqs.slice(0, 6).map((s) => (
                <Badge key={s} size="xs" variant="outline" color="gray" className="kh-clickable" onClick={() => onProof(c.customerId, s)} title="Show the inclusion proof">#{s}</Badge>
              ))}
              {f.seqs.length > 6 && <Text size="xs" c="dimmed">+{f.seqs.length - 6}</Text>}
            </Group>
          </Table.Td>
        </Table.Tr>
      ))}
    </>
  );
}

/** The server's page for (`page`, `q`); the page the incident loaded first needs no call. */
function usePage(first: BlastRadius, page: number, q: string) {
  return useLoad(() => (page === 1 && q === '' ? Promise.resolve(first) : incidentApi.blastRadius(first.incidentId, { offset: (page - 1) * PAGE, limit: PAGE, q })), [first, page, q]);
}

/** The affected customers, PAGE at a time from the server (an incident may hold 70,000), with a
 *  filter the server applies to all of them. */
function CustomerTable({ blast }: { blast: BlastRadius }) {
  const [filter, setFilter] = useState('');
  const [q] = useDebouncedValue(filter.trim(), 300);
  const [page, setPage] = useState(1);
  const [proof, setProof] = useState<{ customerId: string; seq: number | null } | null>(null);
  const loaded = usePage(blast, page, q);
  const data = loaded.data;
  const matching = data?.page.matching ?? 0;
  const pages = Math.max(1, Math.ceil(matching / PAGE));
  const from = (page - 1) * PAGE;
  return (
    <Paper withBorder data-testid="blast-customers" data-matching={matching} data-page={page}>
      <Group justify="space-between" px="md" py="sm" className="kh-row">
        <Text fw={600}>Affected customers × fields</Text>
        <TextInput size="xs" w={240} placeholder="Filter: id, country, tier, field" leftSection={<IconSearch size={14} />} value={filter}
          onChange={(e) => { setFilter(e.currentTarget.value); setPage(1); }} data-testid="blast-filter" aria-label="Filter the affected customers" />
      </Group>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={() => void loaded.reload()} /> : !data ? <Loading /> : (
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing={4} fz="sm" withRowBorders>
            <Table.Thead>
              <Table.Tr><Table.Th>Customer</Table.Th><Table.Th>Field</Table.Th><Table.Th>Highest level</Table.Th><Table.Th ta="right">Times</Table.Th><Table.Th>First → last</Table.Th><Table.Th>Log entries</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.customers.map((c) => <Fragment key={c.customerId}><CustomerRows c={c} onProof={(customerId, seq) => setProof({ customerId, seq })} /></Fragment>)}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {data && matching === 0 && <Text size="sm" c="dimmed" p="md">No affected customer matches “{q}”.</Text>}
      {data && matching > 0 && (
        <Group justify="space-between" px="md" py="sm" data-testid="blast-pager">
          <Text size="xs" c="dimmed" data-testid="blast-range">
            Customers {(from + 1).toLocaleString('en-US')}–{Math.min(from + PAGE, matching).toLocaleString('en-US')} of {matching.toLocaleString('en-US')}
            {q ? ` matching “${q}” (of ${blast.totals.customers.toLocaleString('en-US')})` : ''}
          </Text>
          {pages > 1 && <Pagination size="sm" total={pages} value={page} onChange={setPage} siblings={1} boundaries={1} getControlProps={(c) => ({ 'aria-label': `${c} page` })} />}
        </Group>
      )}
      <ProofsModal incidentId={blast.incidentId} customerId={proof?.customerId ?? null} focusSeq={proof?.seq ?? null} onClose={() => setProof(null)} />
    </Paper>
  );
}

export function BlastPanel({ blast, onExported }: { blast: BlastRadius; onExported: () => void }) {
  return (
    <Stack gap="lg" data-testid="blast-radius">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Exact from the signed log: {blast.log.size.toLocaleString('en-US')} entries, computed {dateTime(blast.computedAt)}. Agents {blast.scope.agentIds.join(', ')};
          {' '}{blast.scope.since ? dateTime(blast.scope.since) : 'from the start of the log'} → {dateTime(blast.scope.until)}.
        </Text>
        <Exports incidentId={blast.incidentId} onExported={onExported} />
      </Group>
      {blast.unsequenced > 0 && (
        <Alert color="yellow" variant="light" title={`${blast.unsequenced} record(s) of these agents are not on the signed log yet`}>
          They are not counted. The integrator sequences them within seconds; reload this tab. If the number does not fall, check the server's integrator.
        </Alert>
      )}
      {blast.totals.customers === 0 ? (
        <Paper withBorder>
          <Empty icon={<IconUsers size={22} />} title="No customer was exposed">
            The agents in scope were shown no customer field in this window. Check the window (since / until) and the agents on the incident; denied attempts are on the Timeline tab.
          </Empty>
        </Paper>
      ) : (
        <>
          <BlastTotalsView totals={blast.totals} />
          <CustomerTable blast={blast} />
        </>
      )}
    </Stack>
  );
}
