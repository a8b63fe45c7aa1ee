// The security dashboard: today's totals, activity over time, the per-agent table with
// suspend / reinstate, and the live feed of decisions. Counters and charts reload (at most
// every two seconds) as new decisions arrive over SSE.
import '@mantine/charts/styles.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Grid, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { get } from '../api/client';
import type { AgentActivity } from '../api/types';
import { ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useLiveEvent } from '../session/session';
import { ActivityChart } from './activity-chart';
import { AgentTable } from './agent-table';
import { LiveFeed } from './live-feed';
import { SuspendModal } from './suspend-modal';

function Stat({ label, value, hint, color }: { label: string; value: number; hint: string; color?: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: 0.5 }}>{label}</Text>
      <Text fz={28} fw={600} c={value > 0 ? color : undefined} className="kh-mono" lh={1.3}>{value.toLocaleString('en-US')}</Text>
      <Text size="xs" c="dimmed">{hint}</Text>
    </Paper>
  );
}

/** Bumps a version at most every `ms` while events keep arriving. */
function useThrottledVersion(ms: number): [number, () => void] {
  const [version, setVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return [version, () => {
    if (timer.current) return;
    timer.current = setTimeout(() => { timer.current = undefined; setVersion((v) => v + 1); }, ms);
  }];
}

export default function SecurityDashboard() {
  const [version, bump] = useThrottledVersion(1500);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => r.agents), [version]);
  const [target, setTarget] = useState<AgentActivity | null>(null);
  useLiveEvent('audit', bump);
  useLiveEvent('agent_status', bump);
  const list = agents.data ?? [];
  const names = useMemo(() => new Map(list.map((a) => [a.id, a.name])), [list]);
  const sum = (k: 'views' | 'reveals' | 'denials' | 'failedVerifies') => list.reduce((s, a) => s + a[k], 0);

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={3}>Security</Title>
        <Text size="xs" c="dimmed">Today (UTC) · updates live</Text>
      </Group>
      {agents.error && <ErrorState error={agents.error} onRetry={() => void agents.reload()} />}
      <Grid gap="lg" align="stretch">
        <Grid.Col span={8}>
          <Stack gap="lg">
            <SimpleGrid cols={4} spacing="md">
              <Stat label="Views" value={sum('views')} hint="customer views today" />
              <Stat label="Revealed" value={sum('reveals')} hint="grants used today" color="orange" />
              <Stat label="Denials" value={sum('denials') + sum('failedVerifies')} hint={`${sum('denials')} refused · ${sum('failedVerifies')} failed checks`} color="red" />
              <Stat label="Suspended" value={list.filter((a) => a.status === 'suspended').length} hint="staff locked out" color="grape" />
            </SimpleGrid>
            <ActivityChart version={version} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={4}>
          <LiveFeed names={names} height={392} />
        </Grid.Col>
      </Grid>
      {agents.data ? <AgentTable agents={list} onSuspend={setTarget} /> : !agents.error && <Loading />}
      <SuspendModal agent={target} onClose={() => setTarget(null)} onDone={bump} />
    </Stack>
  );
}
