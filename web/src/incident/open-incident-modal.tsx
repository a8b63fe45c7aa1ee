// "Open incident": the scope (agents and/or a vendor, a time window) and a reason, then
// containment in one action — the server suspends every agent in scope, revokes their grants
// and ends their sessions in the same transaction that opens the incident.
import { useState } from 'react';
import { Alert, Button, Group, Modal, MultiSelect, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ApiError } from '../api/client';
import type { AgentActivity } from '../api/types';
import { incidentApi, type Incident, type OpenIncidentInput } from './incident-api';

interface Props {
  readonly opened: boolean;
  readonly agents: readonly AgentActivity[];
  readonly meId: string;
  readonly initialAgents?: readonly string[];
  readonly onClose: () => void;
  readonly onOpened: (incident: Incident) => void;
}

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The form's request body, or a message saying what is missing. */
function bodyOf(f: { agentIds: string[]; vendor: string | null; since: string; until: string; title: string; reason: string; contain: boolean }): OpenIncidentInput | string {
  if (f.agentIds.length === 0 && !f.vendor) return 'Pick the agents involved, a vendor, or both.';
  if (f.reason.trim().length < 3) return 'Give a reason: it goes on the audit log and into the regulator report.';
  const since = toIso(f.since);
  const until = toIso(f.until);
  if (since && until && since > until) return '“Since” must be before “Until”.';
  return {
    ...(f.agentIds.length > 0 ? { agentIds: f.agentIds } : {}), ...(f.vendor ? { vendor: f.vendor } : {}),
    ...(since ? { since } : {}), ...(until ? { until } : {}), ...(f.title.trim() ? { title: f.title.trim() } : {}),
    reason: f.reason.trim(), contain: f.contain,
  };
}

export function OpenIncidentModal({ opened, agents, meId, initialAgents = [], onClose, onOpened }: Props) {
  const [agentIds, setAgentIds] = useState<string[]>([...initialAgents]);
  const [vendor, setVendor] = useState<string | null>(null);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [title, setTitle] = useState('');
  const [reason, setReason] = useState('');
  const [contain, setContain] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);
  const staff = agents.filter((a) => a.id !== meId);
  const vendors = [...new Set(staff.filter((a) => a.role !== 'security').map((a) => a.vendor))].sort();

  const submit = async () => {
    const body = bodyOf({ agentIds, vendor, since, until, title, reason, contain });
    if (typeof body === 'string') return setError(body);
    setBusy(true);
    setError(null);
    try {
      const r = await incidentApi.open(body);
      const grants = r.contained.reduce((n, c) => n + c.grantsRevoked, 0);
      const sessions = r.contained.reduce((n, c) => n + c.sessionsEnded, 0);
      notifications.show({
        color: 'red', title: `Incident ${r.incident.id} opened`,
        message: contain ? `${r.contained.length} agent(s) suspended, ${grants} grant(s) revoked, ${sessions} session(s) ended.` : 'Not contained: the agents keep their access.',
      });
      onOpened(r.incident);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Open an incident" size="lg">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Stack gap="sm">
          <MultiSelect label="Agents" description="Whose access is in question" placeholder={agentIds.length ? undefined : 'Search by name or id'} searchable clearable
            data={staff.map((a) => ({ value: a.id, label: `${a.name} (${a.id}) · ${a.vendor}${a.status === 'suspended' ? ' · suspended' : ''}` }))}
            value={agentIds} onChange={setAgentIds} data-testid="incident-agents" maxDropdownHeight={240} />
          <Select label="Vendor" description="Or every non-security member of staff of a vendor (resolved now)" placeholder="None" clearable data={vendors}
            value={vendor} onChange={setVendor} data-testid="incident-vendor" />
          <SimpleGrid cols={2}>
            <TextInput label="Since" description="Empty: from the beginning of the log" type="datetime-local" value={since} onChange={(e) => setSince(e.currentTarget.value)} data-testid="incident-since" />
            <TextInput label="Until" description="Empty: now, the moment of containment" type="datetime-local" value={until} onChange={(e) => setUntil(e.currentTarget.value)} data-testid="incident-until" />
          </SimpleGrid>
          <TextInput label="Title" placeholder="Optional, e.g. Vendor B insider" maxLength={200} value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
          <Textarea label="Reason" description="Kept on the audit log and quoted in the regulator report" placeholder="e.g. Looked up customers without tickets; reported by a colleague"
            autosize minRows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="incident-reason" />
          <Switch checked={contain} onChange={(e) => setContain(e.currentTarget.checked)} label="Contain now"
            description="Suspend every agent in scope, revoke their grants, cancel their pending reveals and end their sessions — in the same transaction" data-testid="incident-contain" />
          {error && (typeof error === 'string'
            ? <Alert color="yellow" variant="light">{error}</Alert>
            : <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>)}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">You cannot open an incident on yourself.</Text>
            <Group>
              <Button variant="default" onClick={onClose}>Cancel</Button>
              <Button type="submit" color="red" loading={busy} data-testid="confirm-open-incident">{contain ? 'Open and contain' : 'Open incident'}</Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
