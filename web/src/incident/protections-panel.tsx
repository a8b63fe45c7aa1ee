// Protective measures for the affected customers: apply them by exposure (the server decides per
// customer which measures their exposure calls for — never-call banner, withdrawal cool-down,
// re-verification), list them, and lift one with a reason. Each is on the audit log and, when
// a protection webhook is configured, sent to the exchange's systems.
import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Textarea, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconShieldCheck } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { incidentApi, PROTECTION_KINDS, type Protection, type ProtectionKind } from './incident-api';
import { actorName, PROTECTION_WORDS } from './words';

const asError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));

function ApplyForm({ incidentId, affected, onApplied }: { incidentId: string; affected: number; onApplied: () => void }) {
  const [hours, setHours] = useState<number>(48);
  const [kinds, setKinds] = useState<string[]>([...PROTECTION_KINDS]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await incidentApi.protect(incidentId, { cooldownHours: hours, kinds: kinds as ProtectionKind[] });
      notifications.show({ color: 'teal', title: `${r.applied.length} measure(s) applied`, message: r.existing > 0 ? `${r.existing} were already in force.` : 'Each is on the audit log.' });
      onApplied();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" data-testid="apply-protections">
      <Text fw={600}>Apply by exposure</Text>
      <Text size="sm" c="dimmed" mb="sm">
        Each affected customer gets the measures their own exposure calls for; applying again adds only what is missing. Advice tailored to what was seen (SIM-swap, phishing,
        physical safety, identity theft…) goes into each customer's notification and their portal, next to the banner.
      </Text>
      <Checkbox.Group value={kinds} onChange={setKinds}>
        <SimpleGrid cols={3} spacing="sm">
          {PROTECTION_KINDS.map((k) => (
            <Checkbox key={k} value={k} label={PROTECTION_WORDS[k].label} description={PROTECTION_WORDS[k].explain} data-testid={`kind-${k}`} />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
      <Group align="flex-end" mt="md">
        <NumberInput label="Cool-down" description="Hours, on withdrawals to new addresses" min={1} max={720} w={220} value={hours}
          onChange={(v) => setHours(typeof v === 'number' ? v : 48)} disabled={!kinds.includes('withdrawal_cooldown')} data-testid="cooldown-hours" />
        <Button onClick={() => void apply()} loading={busy} disabled={kinds.length === 0 || affected === 0} data-testid="apply-protections-button">
          Apply to {affected} affected customer{affected === 1 ? '' : 's'}
        </Button>
      </Group>
      {error && <Alert mt="sm" color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
    </Paper>
  );
}

function LiftModal({ target, onClose, onLifted }: { target: Protection | null; onClose: () => void; onLifted: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const lift = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      await incidentApi.lift(target.id, reason.trim());
      notifications.show({ color: 'gray', title: 'Measure lifted', message: `${PROTECTION_WORDS[target.kind].label} for ${target.customerId}` });
      setReason('');
      onLifted();
      onClose();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={target !== null} onClose={onClose} title={target ? `Lift ${PROTECTION_WORDS[target.kind].label.toLowerCase()} for ${target.customerId}` : ''}>
      <form onSubmit={(e) => { e.preventDefault(); if (reason.trim()) void lift(); }}>
        <Stack gap="sm">
          <Textarea label="Reason" description="Kept on the audit log and sent to the exchange's systems" placeholder="e.g. Customer re-verified in branch" autosize minRows={2} maxLength={500}
            value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus data-testid="lift-reason" />
          {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={busy} disabled={!reason.trim()} data-testid="confirm-lift">Lift</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function paramsText(p: Protection): string {
  if (p.kind === 'withdrawal_cooldown') return `${String(p.params.hours ?? 48)} h${p.params.scope === 'new_addresses' ? ', new addresses' : ''}`;
  return '';
}

function List({ list, names, onLift }: { list: readonly Protection[]; names: ReadonlyMap<string, string>; onLift: (p: Protection) => void }) {
  return (
    <Table.ScrollContainer minWidth={900} maxHeight={520}>
      <Table verticalSpacing={4} fz="sm" stickyHeader>
        <Table.Thead><Table.Tr><Table.Th>Customer</Table.Th><Table.Th>Measure</Table.Th><Table.Th>Because</Table.Th><Table.Th>Applied</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {list.map((p) => (
            <Table.Tr key={p.id} data-protection-id={p.id} data-kind={p.kind} data-customer={p.customerId} data-active={p.active}>
              <Table.Td className="kh-mono">{p.customerId}</Table.Td>
              <Table.Td><Badge variant="light" color={PROTECTION_WORDS[p.kind].color}>{PROTECTION_WORDS[p.kind].label}</Badge> <Text span size="xs" c="dimmed">{paramsText(p)}</Text></Table.Td>
              <Table.Td maw={320}>
                <Tooltip label={p.basis.join(', ')} multiline w={320}><Text size="xs" c="dimmed" lineClamp={1}>{p.basis.join(', ')}</Text></Tooltip>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}><Text size="xs">{shortTime(p.appliedAt)} · {actorName(p.appliedBy, names)}</Text></Table.Td>
              <Table.Td miw={120} style={{ whiteSpace: 'nowrap' }}>
                {p.active ? <Badge color="teal" variant="light">in force</Badge>
                  : <Tooltip label={`${p.liftReason ?? ''} (${actorName(p.liftedBy, names)})`}><Badge color="gray" variant="light">lifted {p.liftedAt ? shortTime(p.liftedAt) : ''}</Badge></Tooltip>}
              </Table.Td>
              <Table.Td ta="right">{p.active && <Button size="compact-xs" variant="subtle" color="gray" onClick={() => onLift(p)} data-testid={`lift-${p.id}`}>Lift</Button>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function ProtectionsPanel({ incidentId, affected, names, onChange }: { incidentId: string; affected: number; names: ReadonlyMap<string, string>; onChange: () => void }) {
  const [show, setShow] = useState<'active' | 'lifted' | 'all'>('active');
  const [target, setTarget] = useState<Protection | null>(null);
  const list = useLoad(() => incidentApi.protections(incidentId, show === 'all' ? undefined : show === 'active'), [incidentId, show]);
  const changed = () => {
    void list.reload();
    onChange();
  };
  const rows = list.data ?? [];
  const counts = new Map<string, number>();
  for (const p of rows) if (p.active) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);

  return (
    <Stack gap="lg" data-testid="protections">
      <ApplyForm incidentId={incidentId} affected={affected} onApplied={changed} />
      <Paper withBorder>
        <Group justify="space-between" px="md" py="sm" className="kh-row">
          <Group gap="xs">
            <Text fw={600}>Measures</Text>
            {[...counts].map(([k, n]) => <Badge key={k} variant="light" color={PROTECTION_WORDS[k as ProtectionKind].color} data-testid={`count-${k}`}>{PROTECTION_WORDS[k as ProtectionKind].label}: {n}</Badge>)}
          </Group>
          <SegmentedControl size="xs" value={show} onChange={(v) => setShow(v as typeof show)} data={[{ value: 'active', label: 'In force' }, { value: 'lifted', label: 'Lifted' }, { value: 'all', label: 'All' }]} />
        </Group>
        {list.error ? <Stack p="md"><ErrorState error={list.error} onRetry={() => void list.reload()} /></Stack>
          : !list.data ? <Loading />
          : rows.length === 0 ? (
            <Empty icon={<IconShieldCheck size={22} />} title={show === 'lifted' ? 'No measure was lifted' : 'No measures yet'}>
              {show === 'lifted' ? 'Lifted measures appear here with who lifted them and why.' : 'Apply them above: the exchange reads them from GET /v1/protections and the customers see them in their portal.'}
            </Empty>
          ) : <List list={rows} names={names} onLift={setTarget} />}
        {rows.length >= 1000 && <Text size="xs" c="dimmed" p="sm">Showing the first 1,000. The CSV export of the blast radius lists every customer.</Text>}
      </Paper>
      <LiftModal target={target} onClose={() => setTarget(null)} onLifted={changed} />
    </Stack>
  );
}
