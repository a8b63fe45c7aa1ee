// One incident: its scope and status, then tabs — containment and who did what, the blast
// radius, the agents' timeline, protective measures, notifications and evidence (the tab is in
// the URL). The blast radius is loaded once here and shared by the tabs that follow from it.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { Alert, Anchor, Badge, Button, Group, Modal, Stack, Tabs, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChevronLeft } from '@tabler/icons-react';
import { ApiError, get } from '../api/client';
import type { AgentActivity } from '../api/types';
import { shortTime } from '../common/format';
import { ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useLiveEvent } from '../session/session';
import { BlastPanel } from './blast-panel';
import { EvidencePanel } from './evidence-panel';
import { HistoryPanel } from './history-panel';
import { incidentApi, type Incident } from './incident-api';
import { NotificationsPanel } from './notifications-panel';
import { ProtectionsPanel } from './protections-panel';
import { TimelinePanel } from './timeline-panel';
import { scopeText } from './words';

const TABS = ['overview', 'blast', 'timeline', 'protections', 'notifications', 'evidence'] as const;
type Tab = (typeof TABS)[number];

function CloseModal({ incident, opened, onClose, onClosed }: { incident: Incident; opened: boolean; onClose: () => void; onClosed: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const close = async () => {
    setBusy(true);
    setError(null);
    try {
      await incidentApi.close(incident.id, reason.trim());
      notifications.show({ color: 'gray', title: `Incident ${incident.id} closed`, message: 'The agents stay suspended; reinstate them from the security dashboard if appropriate.' });
      onClosed();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={`Close ${incident.title}`}>
      <form onSubmit={(e) => { e.preventDefault(); void close(); }}>
        <Stack gap="sm">
          <Text size="sm">Closing records the end of the response. The agents stay suspended, measures stay in force and queued notifications are still delivered.</Text>
          <Textarea label="Closing note" placeholder="e.g. Reported to the authority; handed to law enforcement" autosize minRows={2} maxLength={2000}
            value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus data-testid="close-reason" />
          {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" color="dark" loading={busy} data-testid="confirm-close">Close incident</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Reloads `fn` at most every `ms` while events keep arriving. */
function useThrottled(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => { timer.current = undefined; ref.current(); }, ms);
  };
}

export default function IncidentPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'overview';
  const [closing, setClosing] = useState(false);
  const [measures, setMeasures] = useState(0);
  const detail = useLoad(() => incidentApi.get(id), [id]);
  const blast = useLoad(() => incidentApi.blastRadius(id), [id]);
  const agents = useLoad(() => get<{ agents: AgentActivity[] }>('/v1/security/agents').then((r) => r.agents), []);
  const byId = useMemo(() => new Map((agents.data ?? []).map((a) => [a.id, a])), [agents.data]);
  const names = useMemo(() => new Map([...byId].map(([k, a]) => [k, a.name])), [byId]);
  const refresh = useThrottled(() => void detail.reload(), 800);
  useLiveEvent('audit', (d) => {
    if ((d as { details?: { incidentId?: unknown } }).details?.incidentId === id) refresh();
  });
  useLiveEvent('agent_status', () => void agents.reload());

  if (detail.error) {
    return <ErrorState error={detail.error} onRetry={() => void detail.reload()} hint={detail.error.status === 404 ? <>No incident has this id. Go back to <Anchor component={Link} to="/security/incidents">the incidents</Anchor>.</> : undefined} />;
  }
  if (!detail.data) return <Loading />;
  const { incident, actions } = detail.data;
  const blastError = blast.error && <ErrorState error={blast.error} onRetry={() => void blast.reload()} />;

  return (
    <Stack gap="lg" data-testid="incident-page" data-incident-id={incident.id} data-status={incident.status}>
      <Stack gap={4}>
        <Anchor component={Link} to="/security/incidents" size="sm"><Group gap={2}><IconChevronLeft size={14} />Incidents</Group></Anchor>
        <Group justify="space-between" align="flex-start">
          <div>
            <Group gap="sm">
              <Title order={3}>{incident.title}</Title>
              <Badge color={incident.status === 'open' ? 'red' : 'gray'} variant={incident.status === 'open' ? 'filled' : 'light'} data-testid="incident-status">{incident.status}</Badge>
            </Group>
            <Text size="sm" c="dimmed">
              <span className="kh-mono">{incident.id}</span> · {scopeText(incident, names)} · opened {shortTime(incident.openedAt)} by {incident.openedBy ? names.get(incident.openedBy) ?? incident.openedBy : incident.source}
              {incident.closedAt ? ` · closed ${shortTime(incident.closedAt)}` : ''}
            </Text>
            <Text size="sm" mt={4}>{incident.reason}</Text>
          </div>
          {incident.status === 'open' && <Button variant="default" onClick={() => setClosing(true)} data-testid="close-incident">Close incident</Button>}
        </Group>
      </Stack>
      <Tabs value={tab} onChange={(v) => setParams(v && v !== 'overview' ? { tab: v } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="overview">Containment</Tabs.Tab>
          <Tabs.Tab value="blast" rightSection={blast.data && <Badge size="xs" variant="light" circle={false}>{blast.data.totals.customers}</Badge>} data-testid="tab-blast">Blast radius</Tabs.Tab>
          <Tabs.Tab value="timeline" data-testid="tab-timeline">Timeline</Tabs.Tab>
          <Tabs.Tab value="protections" data-testid="tab-protections">Protections</Tabs.Tab>
          <Tabs.Tab value="notifications" data-testid="tab-notifications">Notifications</Tabs.Tab>
          <Tabs.Tab value="evidence" data-testid="tab-evidence">Evidence</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" pt="lg"><HistoryPanel incident={incident} actions={actions} agents={byId} /></Tabs.Panel>
        <Tabs.Panel value="blast" pt="lg">{blastError || (blast.data ? <BlastPanel blast={blast.data} onExported={refresh} /> : <Loading />)}</Tabs.Panel>
        <Tabs.Panel value="timeline" pt="lg"><TimelinePanel incidentId={incident.id} names={new Map([...byId].map(([id, a]) => [id, a.name]))} /></Tabs.Panel>
        <Tabs.Panel value="protections" pt="lg">
          {blastError || (blast.data ? <ProtectionsPanel incidentId={incident.id} affected={blast.data.totals.customers} names={names} onChange={() => { setMeasures((n) => n + 1); refresh(); }} /> : <Loading />)}
        </Tabs.Panel>
        <Tabs.Panel value="notifications" pt="lg">
          {blastError || (blast.data ? <NotificationsPanel incidentId={incident.id} customers={blast.data.customers} version={measures} /> : <Loading />)}
        </Tabs.Panel>
        <Tabs.Panel value="evidence" pt="lg"><EvidencePanel incidentId={incident.id} onExported={refresh} /></Tabs.Panel>
      </Tabs>
      <CloseModal incident={incident} opened={closing} onClose={() => setClosing(false)} onClosed={() => void detail.reload()} />
    </Stack>
  );
}
