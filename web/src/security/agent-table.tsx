// The per-agent table of today's activity, sortable by every column (click a header), with
// suspend / reinstate per row. Rows that stand out (denials, failed checks, many customers)
// are tinted so they catch the eye.
import { useMemo, useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, SegmentedControl, Table, Text, TextInput } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSearch } from '@tabler/icons-react';
import type { AgentActivity, Role } from '../api/types';
import { Link } from 'react-router';
import { ago } from '../common/format';
import { useSession } from '../session/session';

type Key = 'name' | 'risk' | 'viewsLastHour' | 'views' | 'customers' | 'reveals' | 'revealRequests' | 'denials' | 'failedVerifies' | 'lastSeenAt';

const COLUMNS: ReadonlyArray<{ key: Key; label: string; title: string; numeric?: boolean }> = [
  { key: 'name', label: 'Agent', title: 'Name and team' },
  { key: 'risk', label: 'Risk', title: 'Risk score from the detectors, decayed to now', numeric: true },
  { key: 'viewsLastHour', label: 'Views/h', title: 'Customer views in the last hour', numeric: true },
  { key: 'views', label: 'Views', title: 'Customer views today', numeric: true },
  { key: 'customers', label: 'Customers', title: 'Distinct customers touched today', numeric: true },
  { key: 'reveals', label: 'Reveals', title: 'Revealed values seen today (grant uses)', numeric: true },
  { key: 'revealRequests', label: 'Asks', title: 'Reveal requests today', numeric: true },
  { key: 'denials', label: 'Denials', title: 'Refused accesses today', numeric: true },
  { key: 'failedVerifies', label: 'Failed', title: 'Verifications that did not match today', numeric: true },
  { key: 'lastSeenAt', label: 'Last seen', title: 'Last recorded decision' },
];

/** The colour of a risk level. */
export const RISK_COLOR: Readonly<Record<string, string>> = { none: 'gray', alert: 'yellow', step_up: 'orange', contain: 'red' };

function compare(a: AgentActivity, b: AgentActivity, key: Key): number {
  const x = a[key];
  const y = b[key];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x ?? '').localeCompare(String(y ?? ''));
}

export function AgentTable({ agents, onSuspend }: { agents: readonly AgentActivity[]; onSuspend: (a: AgentActivity) => void }) {
  const { serverNow } = useSession();
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'views', desc: true });
  const [role, setRole] = useState<Role | 'all'>('agent');
  const [filter, setFilter] = useState('');
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return agents.filter((a) => (role === 'all' || a.role === role) && (!f || `${a.name} ${a.team} ${a.id} ${a.vendor}`.toLowerCase().includes(f)))
      .sort((a, b) => (sort.desc ? -1 : 1) * compare(a, b, sort.key) || a.id.localeCompare(b.id));
  }, [agents, sort, role, filter]);
  const by = (key: Key) => setSort((s) => ({ key, desc: s.key === key ? !s.desc : COLUMNS.find((c) => c.key === key)?.numeric === true }));

  return (
    <Paper withBorder data-testid="agent-table">
      <Group justify="space-between" px="md" py="sm" className="kh-row">
        <Text fw={600}>Staff activity today</Text>
        <Group gap="xs">
          <SegmentedControl size="xs" value={role} onChange={(v) => setRole(v as Role | 'all')}
            data={[{ value: 'agent', label: 'Agents' }, { value: 'supervisor', label: 'Supervisors' }, { value: 'security', label: 'Security' }, { value: 'all', label: 'All' }]} />
          <TextInput size="xs" w={180} placeholder="Filter" leftSection={<IconSearch size={14} />} value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
        </Group>
      </Group>
      <Table.ScrollContainer minWidth={900} maxHeight={440}>
        <Table highlightOnHover verticalSpacing={6} horizontalSpacing="sm" fz="sm" stickyHeader>
          <Table.Thead>
            <Table.Tr>
              {COLUMNS.map((c) => (
                <Table.Th key={c.key} className="kh-sortable" title={c.title} ta={c.numeric ? 'right' : undefined} onClick={() => by(c.key)} data-sort-key={c.key}
                  aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <Group gap={2} justify={c.numeric ? 'flex-end' : 'flex-start'} wrap="nowrap">
                    {c.label}{sort.key === c.key && (sort.desc ? <IconArrowDown size={12} /> : <IconArrowUp size={12} />)}
                  </Group>
                </Table.Th>
              ))}
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => {
              const hot = a.denials > 0 || a.failedVerifies >= 3 || a.customers >= 20;
              return (
                <Table.Tr key={a.id} data-agent-row={a.id} bg={hot ? 'light-dark(var(--mantine-color-red-0), rgba(250,82,82,0.08))' : undefined}>
                  <Table.Td miw={230}>
                    <Group gap={6} wrap="nowrap">
                      <Anchor component={Link} to={`/security/agents/${encodeURIComponent(a.id)}`} size="sm" fw={500} style={{ whiteSpace: 'nowrap' }} data-testid={`agent-link-${a.id}`}>{a.name}</Anchor>
                      {a.status === 'suspended' && <Badge size="xs" color="red" variant="filled" data-testid={`status-${a.id}`}>suspended</Badge>}
                    </Group>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{a.team} · {a.id}</Text>
                  </Table.Td>
                  <Table.Td ta="right" data-col="risk" data-risk-level={a.riskLevel ?? 'none'}>
                    {a.risk === null ? <Text size="xs" c="dimmed">—</Text>
                      : <Badge size="sm" variant="light" color={RISK_COLOR[a.riskLevel ?? 'none']}>{a.risk.toFixed(1)}{a.stepUp ? ' · step-up' : ''}</Badge>}
                  </Table.Td>
                  {(['viewsLastHour', 'views', 'customers', 'reveals', 'revealRequests', 'denials', 'failedVerifies'] as const).map((k) => (
                    <Table.Td key={k} ta="right" className="kh-mono" c={(k === 'denials' || k === 'failedVerifies') && a[k] > 0 ? 'red' : undefined} data-col={k}>{a[k]}</Table.Td>
                  ))}
                  <Table.Td style={{ whiteSpace: 'nowrap' }}><Text size="xs" c="dimmed">{a.lastSeenAt ? ago(a.lastSeenAt, serverNow()) : '—'}</Text></Table.Td>
                  <Table.Td w={96}>
                    {a.role !== 'security' && (
                      <Button size="compact-xs" variant={a.status === 'active' ? 'subtle' : 'default'} color={a.status === 'active' ? 'red' : 'teal'} onClick={() => onSuspend(a)} data-testid={`suspend-${a.id}`}>
                        {a.status === 'active' ? 'Suspend' : 'Reinstate'}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length === 0 && <Text size="sm" c="dimmed" ta="center" py="md">No one matches. Clear the filter or pick another role.</Text>}
    </Paper>
  );
}
