// The containment and the history of an incident: who was suspended and what that ended, then
// every action taken in the incident's name (who did what, when), oldest first. Runs of the same
// action by the same person at the same moment (a measure per customer, a send per message) are
// folded into one line that opens to show them.
import { Fragment, useState } from 'react';
import { Badge, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { AgentActivity } from '../api/types';
import { dateTime } from '../common/format';
import type { Incident, IncidentAction } from './incident-api';
import { actionDetail, actorName, incidentActionLabel } from './words';

const ACTION_COLOR: Readonly<Record<string, string>> = {
  incident_open: 'red', agent_suspend: 'grape', protection_apply: 'orange', protection_lift: 'gray', notification_queue: 'blue',
  notification_send: 'teal', evidence_export: 'cyan', incident_close: 'dark',
};

/** Actions taken per customer or per message, many at once. */
const FOLDABLE = new Set(['protection_apply', 'protection_lift', 'notification_send']);

interface HistoryGroup {
  readonly first: IncidentAction;
  readonly rows: readonly IncidentAction[];
}

/** Consecutive rows with the same action, actor and second, folded. */
export function groupHistory(actions: readonly IncidentAction[]): HistoryGroup[] {
  const out: { first: IncidentAction; rows: IncidentAction[] }[] = [];
  for (const a of actions) {
    const last = out.at(-1);
    const foldable = FOLDABLE.has(a.action);
    if (foldable && last && last.first.action === a.action && last.first.actor === a.actor && last.first.at.slice(0, 19) === a.at.slice(0, 19)) last.rows.push(a);
    else out.push({ first: a, rows: [a] });
  }
  return out;
}

function Containment({ incident, actions, agents }: { incident: Incident; actions: readonly IncidentAction[]; agents: ReadonlyMap<string, AgentActivity> }) {
  const suspensions = new Map(actions.filter((a) => a.action === 'agent_suspend').map((a) => [String(a.details.target), a]));
  return (
    <Paper withBorder p="md" data-testid="containment">
      <Text fw={600} mb="xs">Containment</Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        {incident.scope.agentIds.map((id) => {
          const a = agents.get(id);
          const s = suspensions.get(id);
          return (
            <Paper key={id} withBorder p="sm" data-contained-agent={id} data-status={a?.status ?? 'unknown'}>
              <Group justify="space-between" wrap="nowrap">
                <div>
                  <Text size="sm" fw={500}>{a?.name ?? id}</Text>
                  <Text size="xs" c="dimmed">{a ? `${a.team} · ${a.vendor} · ` : ''}{id}</Text>
                </div>
                <Badge color={a?.status === 'suspended' ? 'red' : 'yellow'} variant={a?.status === 'suspended' ? 'filled' : 'light'} style={{ flexShrink: 0 }}>{a?.status ?? '…'}</Badge>
              </Group>
              <Text size="xs" mt={6} c={s ? undefined : 'dimmed'}>
                {s ? `Suspended ${dateTime(s.at)}: ${String(s.details.grantsRevoked)} grant(s) revoked, ${String(s.details.sessionsEnded)} session(s) ended${s.details.alreadySuspended === true ? ' (already suspended before this incident)' : ''}.`
                  : 'Not suspended by this incident (opened without containment). Suspend from the security dashboard if needed.'}
              </Text>
            </Paper>
          );
        })}
      </SimpleGrid>
    </Paper>
  );
}

export function HistoryPanel({ incident, actions, agents }: { incident: Incident; actions: readonly IncidentAction[]; agents: ReadonlyMap<string, AgentActivity> }) {
  const names = new Map([...agents].map(([id, a]) => [id, a.name]));
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Stack gap="lg">
      <Containment incident={incident} actions={actions} agents={agents} />
      <Paper withBorder data-testid="incident-history">
        <Group justify="space-between" px="md" py="sm" className="kh-row">
          <Text fw={600}>Who did what</Text>
          <Text size="xs" c="dimmed">Each action is also a record on the tamper-evident log</Text>
        </Group>
        <Table verticalSpacing={6} fz="sm">
          <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>Action</Table.Th><Table.Th>Detail</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {groupHistory(actions).map((g) => (
              <Fragment key={g.first.id}>
                <Table.Tr data-history-action={g.first.action} className={g.rows.length > 1 ? 'kh-clickable' : undefined} onClick={() => g.rows.length > 1 && setOpen(open === g.first.id ? null : g.first.id)}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{dateTime(g.first.at)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{actorName(g.first.actor, names)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge size="sm" variant="light" color={ACTION_COLOR[g.first.action] ?? 'gray'}>{incidentActionLabel(g.first.action)}{g.rows.length > 1 ? ` ×${g.rows.length}` : ''}</Badge>
                  </Table.Td>
                  <Table.Td><Text size="sm">{g.rows.length > 1 ? `${g.rows.length} records — click to list them` : actionDetail(g.first, names)}</Text></Table.Td>
                </Table.Tr>
                {open === g.first.id && g.rows.map((r) => (
                  <Table.Tr key={r.id}><Table.Td /><Table.Td /><Table.Td /><Table.Td><Text size="xs" c="dimmed">{actionDetail(r, names)}</Text></Table.Td></Table.Tr>
                ))}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
