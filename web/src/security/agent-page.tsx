// One staff member for the security team (issue 14 item 4): status and risk (with its trajectory
// over the alerts), the alerts with their evidence, their open grants, and their latest records
// on the log (the audit explorer has the full history).
import { LineChart } from '@mantine/charts';
import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { get } from '../api/client';
import type { AgentActivity, AgentRisk, AuditPage, OpenGrant } from '../api/types';
import { dateTime } from '../common/format';
import { ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { fieldLabel } from '../desk/fields';
import { useLiveEvent } from '../session/session';
import { AlertCard } from './alerts-page';
import { RISK_COLOR } from './agent-table';
import { describeRecord } from './describe';

export default function AgentPage() {
  const { id = '' } = useParams();
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => r.agents), []);
  const risk = useLoad(() => get<AgentRisk>(`/v1/detect/agents/${encodeURIComponent(id)}/risk`), [id]);
  const grants = useLoad(() => get<{ grants: OpenGrant[] }>(`/v1/security/agents/${encodeURIComponent(id)}/grants`).then((r) => r.grants), [id]);
  const history = useLoad(() => get<AuditPage>(`/v1/security/audit?agentId=${encodeURIComponent(id)}&limit=20`), [id]);
  useLiveEvent('detect_alert', () => void risk.reload());
  useLiveEvent('agent_status', () => void agents.reload());
  const names = new Map((agents.data ?? []).map((a) => [a.id, a.name]));
  const me = agents.data?.find((a) => a.id === id);
  const r = risk.data;
  const trajectory = (r?.alerts ?? []).slice().reverse().map((a) => ({ at: dateTime(a.at), risk: a.risk }));
  return (
    <Stack gap="lg" maw={1200} data-testid="agent-page" data-agent-id={id}>
      <Group justify="space-between" align="flex-end">
        <Stack gap={2}>
          <Anchor component={Link} to="/security" size="sm" c="dimmed">← Security</Anchor>
          <Title order={3}>{me?.name ?? id}</Title>
          <Text size="sm" c="dimmed">{me ? `${me.role} · ${me.team} · ${me.vendor} · ` : ''}{id}</Text>
        </Stack>
        <Group gap="xs">
          {me && <Badge color={me.status === 'suspended' ? 'red' : 'teal'} variant={me.status === 'suspended' ? 'filled' : 'light'}>{me.status}</Badge>}
          {r && <Badge color={RISK_COLOR[r.level] ?? 'gray'} variant="light" data-testid="agent-risk" data-level={r.level}>risk {r.risk.toFixed(1)} · {r.level.replace('_', '-')}{r.stepUp ? ' · step-up' : ''}</Badge>}
        </Group>
      </Group>
      {risk.error && <ErrorState error={risk.error} onRetry={() => void risk.reload()} />}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Paper withBorder p="md">
          <Text fw={600} mb="xs">Risk over the alerts</Text>
          {trajectory.length === 0 ? <Text size="sm" c="dimmed">No alert yet: the score stays under the alert threshold{r ? ` (${r.thresholds.alert})` : ''}.</Text>
            : <LineChart h={180} data={trajectory} dataKey="at" series={[{ name: 'risk', color: 'red.6' }]} curveType="linear" data-testid="risk-trajectory"
                referenceLines={r ? [{ y: r.thresholds.alert, label: 'alert', color: 'yellow.6' }, { y: r.thresholds.contain, label: 'contain', color: 'red.6' }] : []} />}
        </Paper>
        <Paper withBorder data-testid="agent-grants">
          <Text fw={600} px="md" py="sm">Open grants</Text>
          {!grants.data ? <Loading /> : grants.data.length === 0 ? <Text size="sm" c="dimmed" px="md" pb="md">None: nothing beyond their tickets' defaults is open to them.</Text> : (
            <Table fz="sm" verticalSpacing={4}>
              <Table.Tbody>
                {grants.data.map((g) => (
                  <Table.Tr key={g.id} data-grant-id={g.id}>
                    <Table.Td>{g.fields.map(fieldLabel).join(', ')}</Table.Td>
                    <Table.Td className="kh-mono">{g.ticketId}</Table.Td>
                    <Table.Td><Text size="xs">{g.usedAt ? `shown ${dateTime(g.usedAt)}` : 'not used yet'} · until {dateTime(g.expiresAt)}</Text></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      </SimpleGrid>
      <Stack gap="sm">
        <Text fw={600}>Alerts</Text>
        {r && r.alerts.length === 0 && <Text size="sm" c="dimmed">No alerts on this agent.</Text>}
        {r?.alerts.map((a) => <AlertCard key={a.id} a={a} names={names} />)}
      </Stack>
      <Paper withBorder data-testid="agent-history">
        <Group justify="space-between" px="md" py="sm"><Text fw={600}>Latest records</Text>
          <Anchor component={Link} to={`/security/audit?agentId=${encodeURIComponent(id)}`} size="sm">Full history in the audit log →</Anchor></Group>
        {history.data?.entries.map((e, i) => (
          <Group key={`${e.seq ?? 'p'}-${i}`} px="md" py={6} className="kh-row" justify="space-between" wrap="nowrap">
            <Text size="sm">{describeRecord(e.record, names)}</Text>
            <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>{dateTime(e.record.time)}</Text>
          </Group>
        ))}
      </Paper>
    </Stack>
  );
}
