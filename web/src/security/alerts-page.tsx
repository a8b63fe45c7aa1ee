// Detection alerts (issue 14 item 4): every alert, newest first, with the detectors that fired,
// their evidence (log records by seq, figures against the baseline) and the risk at the time;
// a click on the agent opens their page. Refreshed live on `detect_alert` events.
import { Anchor, Badge, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Link } from 'react-router';
import { get } from '../api/client';
import type { AgentActivity, DetectAlert } from '../api/types';
import { dateTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useLiveEvent } from '../session/session';

const KIND_COLOR: Readonly<Record<string, string>> = { alert: 'yellow', step_up: 'orange', contain: 'red', budget: 'blue', decoy: 'red' };

const figures = (f: Readonly<Record<string, number>>) => Object.entries(f).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`).join(', ');

/** One alert with its explanation. */
export function AlertCard({ a, names }: { a: DetectAlert; names: ReadonlyMap<string, string> }) {
  return (
    <Paper withBorder p="md" data-testid="alert-card" data-alert-id={a.id} data-kind={a.kind}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Badge color={KIND_COLOR[a.kind] ?? 'gray'} variant="filled">{a.kind.replace('_', '-')}</Badge>
            <Anchor component={Link} to={`/security/agents/${encodeURIComponent(a.agentId)}`} fw={600} size="sm">{names.get(a.agentId) ?? a.agentId}</Anchor>
            <Text size="xs" c="dimmed">risk {a.risk.toFixed(1)} (threshold {a.explanation.threshold})</Text>
          </Group>
          <Text size="xs" c="dimmed">{dateTime(a.at)}</Text>
        </Group>
        <Text size="sm">{a.summary}</Text>
        <Group gap={4} data-testid="alert-detectors">
          {[...new Set(a.explanation.signals.map((s) => s.detector))].map((d) => <Badge key={d} size="xs" variant="light" color="grape">{d}</Badge>)}
        </Group>
        <Stack gap={2}>
          {a.explanation.signals.map((s, i) => (
            <Text key={`${s.detector}-${s.seq}-${i}`} size="xs" data-testid="alert-signal">
              <Text span fw={600}>{s.detector}</Text> (+{s.points.toFixed(1)}): {s.summary}
              {Object.keys(s.figures).length > 0 && <Text span c="dimmed"> · {figures(s.figures)}{Object.keys(s.baseline).length > 0 ? ` vs baseline ${figures(s.baseline)}` : ''}</Text>}
              {s.seqs.length > 0 && <Text span c="dimmed"> · evidence <Code>{s.seqs.slice(0, 8).map((q) => `#${q}`).join(' ')}{s.seqs.length > 8 ? ' …' : ''}</Code></Text>}
            </Text>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}

export default function AlertsPage() {
  const alerts = useLoad(() => get<{ alerts: DetectAlert[] }>('/v1/detect/alerts?limit=200').then((r) => r.alerts), []);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => new Map(r.agents.map((a) => [a.id, a.name]))), []);
  useLiveEvent('detect_alert', () => void alerts.reload());
  const list = alerts.data ?? [];
  return (
    <Stack gap="lg" maw={1100}>
      <Group justify="space-between">
        <Title order={3}>Alerts {alerts.data ? <Text span c="dimmed" fz="lg">· {list.length}</Text> : null}</Title>
        <Text size="xs" c="dimmed">What the detectors saw, with the log records behind it. New alerts appear here live.</Text>
      </Group>
      {alerts.error ? <ErrorState error={alerts.error} onRetry={() => void alerts.reload()} />
        : !alerts.data ? <Loading />
        : list.length === 0 ? <Paper withBorder><Empty icon={<IconAlertTriangle size={22} />} title="No alerts">When a detector scores an agent above the alert threshold, or a decoy is touched, the alert and its evidence appear here.</Empty></Paper>
        : <Stack gap="sm" data-testid="alerts">{list.map((a) => <AlertCard key={a.id} a={a} names={agents.data ?? new Map()} />)}</Stack>}
    </Stack>
  );
}
