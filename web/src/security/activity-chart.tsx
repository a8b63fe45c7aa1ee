// Activity over time, per agent or per team: stacked areas of decisions, views or denials per
// hour over the last day or week (GET /v1/security/activity).
import { useState } from 'react';
import { AreaChart } from '@mantine/charts';
import { Group, Paper, SegmentedControl, Text } from '@mantine/core';
import { IconChartArea } from '@tabler/icons-react';
import { get, query } from '../api/client';
import type { ActivityResponse } from '../api/types';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';

const COLORS = ['brand.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'red.6', 'lime.7', 'pink.6', 'yellow.7'];
const RANGES: Readonly<Record<string, { hours: number; bucketMinutes: number }>> = { '6h': { hours: 6, bucketMinutes: 15 }, '24h': { hours: 24, bucketMinutes: 60 }, '7d': { hours: 168, bucketMinutes: 360 } };

function tick(iso: string, bucketMinutes: number): string {
  const d = new Date(iso);
  const hm = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return bucketMinutes >= 360 ? `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${hm}` : hm;
}

/** `version` changes when new decisions arrive (the dashboard throttles it). */
export function ActivityChart({ version }: { version: number }) {
  const [by, setBy] = useState<'agent' | 'team'>('agent');
  const [metric, setMetric] = useState<'decisions' | 'views' | 'denials'>('decisions');
  const [range, setRange] = useState('24h');
  const r = RANGES[range] ?? { hours: 24, bucketMinutes: 60 };
  const data = useLoad(() => get<ActivityResponse>(`/v1/security/activity${query({ by, metric, hours: r.hours, bucketMinutes: r.bucketMinutes })}`), [by, metric, range, version]);
  const a = data.data;
  const rows = a ? a.buckets.map((b, i) => Object.fromEntries([['time', tick(b, a.bucketMinutes)], ...a.series.map((s) => [s.label, s.counts[i] ?? 0])])) : [];

  return (
    <Paper withBorder data-testid="activity-chart">
      <Group justify="space-between" px="md" py="sm" className="kh-row">
        <Text fw={600}>Activity over time</Text>
        <Group gap="xs">
          <SegmentedControl size="xs" value={by} onChange={(v) => setBy(v as 'agent' | 'team')} data={[{ value: 'agent', label: 'Per agent' }, { value: 'team', label: 'Per team' }]} />
          <SegmentedControl size="xs" value={metric} onChange={(v) => setMetric(v as typeof metric)} data={[{ value: 'decisions', label: 'All' }, { value: 'views', label: 'Views' }, { value: 'denials', label: 'Denials' }]} />
          <SegmentedControl size="xs" value={range} onChange={setRange} data={Object.keys(RANGES)} />
        </Group>
      </Group>
      <div style={{ padding: 'var(--mantine-spacing-md)' }}>
        {data.error ? <ErrorState error={data.error} onRetry={() => void data.reload()} />
          : !a ? <Loading />
          : a.series.length === 0 ? <Empty icon={<IconChartArea size={22} />} title="No activity in this window">Pick a longer range, or wait: the chart follows new decisions as they are recorded.</Empty>
          : <AreaChart h={220} data={rows} dataKey="time" type="stacked" curveType="monotone" withLegend legendProps={{ verticalAlign: 'bottom', height: 40 }}
              series={a.series.map((s, i) => ({ name: s.label, color: COLORS[i % COLORS.length] ?? 'gray.6' }))} withDots={false} fillOpacity={0.25} tickLine="none" gridAxis="y" yAxisProps={{ allowDecimals: false }} />}
      </div>
    </Paper>
  );
}
