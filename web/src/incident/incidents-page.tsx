// The incidents list (newest first) and "Open incident". `?agent=agt_001` opens the form with
// that agent picked (a link from elsewhere in the console). Security role only.
import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertOctagon, IconPlus } from '@tabler/icons-react';
import { get } from '../api/client';
import type { AgentActivity } from '../api/types';
import { shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useMe } from '../session/session';
import { incidentApi, type Incident } from './incident-api';
import { scopeText } from './words';
import { OpenIncidentModal } from './open-incident-modal';

const SOURCE: Readonly<Record<Incident['source'], string>> = { console: 'Console', cli: 'CLI', detector: 'Detector' };

export default function IncidentsPage() {
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const preset = params.get('agent');
  const [open, setOpen] = useState(preset !== null);
  const incidents = useLoad(() => incidentApi.list(), []);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => r.agents), []);
  const names = useMemo(() => new Map((agents.data ?? []).map((a) => [a.id, a.name])), [agents.data]);
  const close = () => {
    setOpen(false);
    if (preset) setParams({});
  };
  const list = incidents.data ?? [];

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={3}>Incidents</Title>
          <Text size="sm" c="dimmed">Contain an insider in one action, then see exactly who was exposed, protect and notify them, and hand over verifiable evidence.</Text>
        </div>
        <Button color="red" leftSection={<IconPlus size={16} />} onClick={() => setOpen(true)} data-testid="open-incident">Open incident</Button>
      </Group>
      <Paper withBorder data-testid="incident-list">
        {incidents.error ? <Stack p="md"><ErrorState error={incidents.error} onRetry={() => void incidents.reload()} /></Stack>
          : !incidents.data ? <Loading />
          : list.length === 0 ? (
            <Empty icon={<IconAlertOctagon size={22} />} title="No incidents yet"
              action={<Button variant="light" color="red" onClick={() => setOpen(true)}>Open incident</Button>}>
              When an agent's access looks wrong — a detector alert, a tip, an extortion e-mail — open an incident on them (or their vendor). Detector containments open one by themselves.
            </Empty>
          ) : (
            <Table highlightOnHover verticalSpacing={8} fz="sm">
              <Table.Thead>
                <Table.Tr><Table.Th>Incident</Table.Th><Table.Th>Scope</Table.Th><Table.Th>Opened</Table.Th><Table.Th>By</Table.Th><Table.Th>Status</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((i) => (
                  <Table.Tr key={i.id} className="kh-clickable" onClick={() => navigate(`/security/incidents/${i.id}`)} data-incident-id={i.id}>
                    <Table.Td><Text size="sm" fw={500}>{i.title}</Text><Text size="xs" c="dimmed" className="kh-mono">{i.id}</Text></Table.Td>
                    <Table.Td><Text size="sm">{scopeText(i, names)}</Text></Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{shortTime(i.openedAt)}</Table.Td>
                    <Table.Td>{i.openedBy ? names.get(i.openedBy) ?? i.openedBy : SOURCE[i.source]}</Table.Td>
                    <Table.Td><Badge color={i.status === 'open' ? 'red' : 'gray'} variant={i.status === 'open' ? 'filled' : 'light'}>{i.status}</Badge></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
      </Paper>
      {open && (
        <OpenIncidentModal opened agents={agents.data ?? []} meId={me.id} initialAgents={preset ? [preset] : []} onClose={close}
          onOpened={(i) => { setOpen(false); navigate(`/security/incidents/${i.id}`); }} />
      )}
    </Stack>
  );
}
