// The agents' activity in the incident's window, in log order: a chart of records per time
// bucket (exposing, other allowed, denied) and the list with what each record exposed. Paged by
// sequence number ("Load more" continues after the last one).
import '@mantine/charts/styles.css';
import { useState } from 'react';
import { BarChart } from '@mantine/charts';
import { Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { IconTimeline } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { clockTime, shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { incidentApi, type TimelineItem } from './incident-api';
import { exposedFieldLabel, incidentActionLabel } from './words';

const PAGE = 500;
const BUCKETS_MIN = [1, 5, 15, 60, 360, 1440];

/** Records per time bucket (at most ~48 buckets): exposing, other allowed, denied. */
export function bucketize(items: readonly TimelineItem[]): { rows: Record<string, string | number>[]; minutes: number } {
  if (items.length === 0) return { rows: [], minutes: 1 };
  const t0 = Date.parse(items[0]!.record.time);
  const t1 = Date.parse(items.at(-1)!.record.time);
  const minutes = BUCKETS_MIN.find((m) => (t1 - t0) / (m * 60_000) <= 48) ?? 1440;
  const size = minutes * 60_000;
  const start = Math.floor(t0 / size) * size;
  const n = Math.floor((t1 - start) / size) + 1;
  const rows = Array.from({ length: n }, (_, i) => {
    const at = new Date(start + i * size).toISOString();
    return { time: shortTime(at), Exposing: 0, 'Other allowed': 0, Denied: 0 } as Record<string, string | number>;
  });
  for (const it of items) {
    const row = rows[Math.floor((Date.parse(it.record.time) - start) / size)]!;
    const key = it.record.decision === 'deny' ? 'Denied' : it.exposes.length > 0 ? 'Exposing' : 'Other allowed';
    row[key] = (row[key] as number) + 1;
  }
  return { rows, minutes };
}

/** "5 Jan 09:41:07" (local time). */
const dayTime = (iso: string) => `${new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })} ${clockTime(iso)}`;

/** Account attributes shown to every agent (tier, status, country…): not "in full" exposures. */
const PLAIN = new Set(['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt']);

function exposesText(it: TimelineItem): string {
  if (it.exposes.length === 0) return it.record.decision === 'deny' ? it.record.reason ?? 'refused' : '—';
  const sensitive = it.exposes.filter((e) => !PLAIN.has(e.field));
  if (it.record.action === 'verify') {
    const matched = (it.record as { details?: Record<string, unknown> }).details?.matched;
    return `${sensitive.map((e) => exposedFieldLabel(e.field)).join(', ')} checked: ${matched === true ? 'matched' : matched === false ? 'did not match' : 'outcome not recorded'}`;
  }
  if (sensitive.length <= 3) return sensitive.map((e) => `${exposedFieldLabel(e.field)} (${e.level === 'revealed' ? 'in full' : e.level.replace('_', ' ')})`).join(', ') || 'account attributes only';
  const full = sensitive.filter((e) => e.level === 'revealed').length;
  const partly = sensitive.filter((e) => e.level === 'masked' || e.level === 'banded').length;
  return `${sensitive.length} fields: ${full} in full, ${partly} masked or as a range`;
}

function Rows({ items, names }: { items: readonly TimelineItem[]; names: ReadonlyMap<string, string> }) {
  return (
    <Table.ScrollContainer minWidth={900} maxHeight={520}>
      <Table verticalSpacing={4} fz="sm" stickyHeader highlightOnHover>
        <Table.Thead><Table.Tr><Table.Th>Seq</Table.Th><Table.Th>Time</Table.Th><Table.Th>Agent</Table.Th><Table.Th>Action</Table.Th><Table.Th>Customer</Table.Th><Table.Th>Ticket</Table.Th><Table.Th>Exposed</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {items.map((it) => (
            <Table.Tr key={it.seq} data-timeline-seq={it.seq} data-action={it.record.action} data-decision={it.record.decision}>
              <Table.Td className="kh-mono">{it.seq}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}><Text size="xs">{dayTime(it.record.time)}</Text></Table.Td>
              <Table.Td><Text size="xs">{it.record.agentId ? (names.get(it.record.agentId) ?? it.record.agentId) : '—'}</Text></Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Badge size="xs" circle color={it.record.decision === 'deny' ? 'red' : it.exposes.length > 0 ? 'orange' : 'gray'}> </Badge>
                  <Text size="sm">{it.record.decision === 'deny' ? 'Denied: ' : ''}{incidentActionLabel(it.record.action)}</Text>
                </Group>
              </Table.Td>
              <Table.Td className="kh-mono">{it.record.customerId ?? '—'}</Table.Td>
              <Table.Td className="kh-mono">{it.record.ticketId ?? '—'}</Table.Td>
              <Table.Td><Text size="xs" c="dimmed">{exposesText(it)}</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function TimelinePanel({ incidentId, names = new Map() }: { incidentId: string; names?: ReadonlyMap<string, string> }) {
  const [more, setMore] = useState<{ items: TimelineItem[]; next: number | null } | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const first = useLoad(async () => {
    const p = await incidentApi.timeline(incidentId, -1, PAGE);
    setMore(null);
    return p;
  }, [incidentId]);
  if (first.error) return <ErrorState error={first.error} onRetry={() => void first.reload()} />;
  if (!first.data) return <Loading />;
  const items = [...first.data.items, ...(more?.items ?? [])];
  const next = more ? more.next : first.data.nextAfter;
  const loadMore = async () => {
    if (next === null) return;
    try {
      const p = await incidentApi.timeline(incidentId, next, PAGE);
      setMore({ items: [...(more?.items ?? []), ...p.items], next: p.nextAfter });
    } catch (e) {
      setMoreError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    }
  };
  const { rows, minutes } = bucketize(items);
  const denied = items.filter((i) => i.record.decision === 'deny').length;

  if (items.length === 0) {
    return (
      <Paper withBorder>
        <Empty icon={<IconTimeline size={22} />} title="No activity in this window">The agents in scope have no record on the signed log between the incident's since and until. If they acted moments ago, reload: records reach the log within seconds.</Empty>
      </Paper>
    );
  }
  return (
    <Stack gap="lg" data-testid="timeline">
      <Paper withBorder p="md" data-testid="timeline-chart">
        <Group justify="space-between" mb="sm">
          <Text fw={600}>Activity over time</Text>
          <Text size="xs" c="dimmed">{items.length} record(s){next !== null ? ' so far' : ''} · {denied} denied · per {minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}</Text>
        </Group>
        <BarChart h={220} data={rows} dataKey="time" type="stacked" withLegend legendProps={{ verticalAlign: 'bottom', height: 36 }}
          series={[{ name: 'Exposing', color: 'orange.6' }, { name: 'Other allowed', color: 'gray.5' }, { name: 'Denied', color: 'red.6' }]}
          tickLine="none" gridAxis="y" yAxisProps={{ allowDecimals: false }} />
      </Paper>
      <Paper withBorder>
        <Rows items={items} names={names} />
        {moreError && <Stack p="md"><ErrorState error={moreError} /></Stack>}
        {next !== null && <Group justify="center" p="sm"><Button variant="light" onClick={() => void loadMore()}>Load more records</Button></Group>}
      </Paper>
    </Stack>
  );
}
