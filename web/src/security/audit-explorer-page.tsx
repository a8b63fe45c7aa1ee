// The audit-log explorer: records filtered by agent, customer, ticket, action, decision and
// time, newest first, paged back by sequence number. Filters live in the URL, so a search can
// be shared with a colleague. Records hold levels and ids, never a field value.
import { Fragment, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Badge, Button, Code, Group, Paper, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconFilterOff, IconTimeline } from '@tabler/icons-react';
import { get, query } from '../api/client';
import { AUDIT_ACTIONS, type AgentActivity, type AuditPage } from '../api/types';
import { actionLabel, shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { describeRecord, fieldsSummary, recordColor } from './describe';

const KEYS = ['agentId', 'customerId', 'ticketId', 'action', 'decision', 'from', 'to'] as const;
type Filter = Partial<Record<(typeof KEYS)[number], string>>;

const toIso = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

/** The filter form; edits stay a draft until "Search". */
function Filters({ agents, applied, onApply }: { agents: readonly AgentActivity[]; applied: Filter; onApply: (f: Filter) => void }) {
  const [draft, setDraft] = useState<Filter>(applied);
  const set = (k: keyof Filter) => (v: string | null) => setDraft((d) => ({ ...d, [k]: v ?? '' }));
  return (
    <Paper withBorder p="md">
      <form onSubmit={(e) => { e.preventDefault(); onApply(draft); }}>
        <Group align="flex-end" gap="sm">
          <Select label="Agent" w={220} placeholder="Anyone" searchable clearable data={agents.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))} value={draft.agentId ?? null} onChange={set('agentId')} />
          <TextInput label="Customer" w={140} placeholder="cus_…" value={draft.customerId ?? ''} onChange={(e) => set('customerId')(e.currentTarget.value)} />
          <TextInput label="Ticket" w={130} placeholder="tkt_…" value={draft.ticketId ?? ''} onChange={(e) => set('ticketId')(e.currentTarget.value)} />
          <Select label="Action" w={190} placeholder="Any action" clearable data={AUDIT_ACTIONS.map((a) => ({ value: a, label: actionLabel(a) }))} value={draft.action ?? null} onChange={set('action')} />
          <Stack gap={4}>
            <Text size="sm" fw={500}>Decision</Text>
            <SegmentedControl value={draft.decision ?? ''} onChange={set('decision')} data={[{ value: '', label: 'All' }, { value: 'allow', label: 'Allow' }, { value: 'deny', label: 'Deny' }]} />
          </Stack>
          <TextInput label="From" type="datetime-local" w={190} value={draft.from ?? ''} onChange={(e) => set('from')(e.currentTarget.value)} />
          <TextInput label="To" type="datetime-local" w={190} value={draft.to ?? ''} onChange={(e) => set('to')(e.currentTarget.value)} />
          <Button type="submit">Search</Button>
          <Button variant="subtle" color="gray" leftSection={<IconFilterOff size={14} />} onClick={() => { setDraft({}); onApply({}); }}>Clear</Button>
        </Group>
      </form>
    </Paper>
  );
}

/** The records; a click opens one's full JSON, a click on an id filters by it. */
function Rows({ entries, names, onPick }: { entries: AuditPage['entries']; names: ReadonlyMap<string, string>; onPick: (k: keyof Filter, v: string | null) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const link = (k: keyof Filter, v: string | null, label: string) => (
    <span className="kh-clickable" onClick={(e) => { e.stopPropagation(); onPick(k, v); }}>{label}</span>
  );
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table highlightOnHover verticalSpacing={6} fz="sm">
        <Table.Thead>
          <Table.Tr><Table.Th>Seq</Table.Th><Table.Th>Time</Table.Th><Table.Th>Agent</Table.Th><Table.Th>Decision</Table.Th><Table.Th>Customer</Table.Th><Table.Th>Ticket</Table.Th><Table.Th>Fields</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map(({ seq, record: r }, i) => {
            const key = `${seq ?? 'p'}-${r.requestId}-${r.action}-${i}`;
            return (
              <Fragment key={key}>
                <Table.Tr className="kh-clickable" onClick={() => setOpen(open === key ? null : key)} data-audit-action={r.action}>
                  <Table.Td className="kh-mono" miw={84}>{seq ?? <Badge size="xs" variant="outline" color="gray" style={{ overflow: 'visible' }}>pending</Badge>}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}><Text size="xs">{shortTime(r.time)}</Text></Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{r.agentId ? link('agentId', r.agentId, names.get(r.agentId) ?? r.agentId) : '—'}</Table.Td>
                  <Table.Td><Group gap={6} wrap="nowrap"><Badge size="xs" circle color={recordColor(r)}> </Badge><Text size="sm">{describeRecord(r, names)}</Text></Group></Table.Td>
                  <Table.Td className="kh-mono">{r.customerId ? link('customerId', r.customerId, r.customerId) : '—'}</Table.Td>
                  <Table.Td className="kh-mono">{r.ticketId ? link('ticketId', r.ticketId, r.ticketId) : '—'}</Table.Td>
                  <Table.Td><Text size="xs" c="dimmed">{fieldsSummary(r)}</Text></Table.Td>
                </Table.Tr>
                {open === key && <Table.Tr><Table.Td colSpan={7}><Code block>{JSON.stringify(r, null, 2)}</Code></Table.Td></Table.Tr>}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function AuditExplorer() {
  const [params, setParams] = useSearchParams();
  const applied: Filter = useMemo(() => Object.fromEntries(KEYS.flatMap((k) => (params.get(k) ? [[k, params.get(k) as string]] : []))), [params]);
  const [older, setOlder] = useState<AuditPage['entries']>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => r.agents), []);
  const q = { ...applied, from: toIso(applied.from), to: toIso(applied.to) };
  const page = useLoad(async () => {
    const p = await get<AuditPage>(`/v1/security/audit${query({ ...q, limit: 50 })}`);
    setOlder([]);
    setCursor(p.nextBefore);
    return p;
  }, [params.toString()]);
  const names = useMemo(() => new Map((agents.data ?? []).map((a) => [a.id, a.name])), [agents.data]);
  const entries = [...(page.data?.entries ?? []), ...older];
  const apply = (f: Filter) => setParams(Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as Record<string, string>);
  const loadOlder = async () => {
    if (cursor === null) return;
    const p = await get<AuditPage>(`/v1/security/audit${query({ ...q, before: cursor, limit: 50 })}`);
    setOlder((o) => [...o, ...p.entries]);
    setCursor(p.nextBefore);
  };

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={3}>Audit log</Title>
        <Text size="xs" c="dimmed">Every access decision, in log order. Records pending sequencing are marked “pending”.</Text>
      </Group>
      <Filters key={params.toString()} agents={agents.data ?? []} applied={applied} onApply={apply} />
      <Paper withBorder data-testid="audit-table">
        {page.error ? <Stack p="md"><ErrorState error={page.error} onRetry={() => void page.reload()} /></Stack>
          : !page.data ? <Loading />
          : entries.length === 0 ? (
            <Empty icon={<IconTimeline size={22} />} title="No records match">Widen the time range or clear a filter. Ids must match exactly (for example cus_000123).</Empty>
          ) : <Rows entries={entries} names={names} onPick={(k, v) => v && apply({ ...applied, [k]: v })} />}
        {cursor !== null && <Group justify="center" p="sm"><Button variant="light" onClick={() => void loadOlder()}>Load older records</Button></Group>}
      </Paper>
    </Stack>
  );
}
