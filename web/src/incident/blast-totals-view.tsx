// The totals of a blast radius: headline counts, then by field (customers, times, highest
// levels), by highest level, by jurisdiction and for high-balance customers.
import { Badge, Grid, Group, Paper, Progress, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { Level } from '../api/types';
import { LevelBadge } from '../desk/level-badge';
import type { BlastTotals } from './incident-api';
import { exposedFieldLabel } from './words';

const LEVELS: readonly Level[] = ['revealed', 'banded', 'masked', 'verify_only', 'hidden'];
const LEVEL_LABEL: Readonly<Record<Level, string>> = { revealed: 'shown', banded: 'banded', masked: 'masked', verify_only: 'verify only', hidden: 'hidden' };
const LEVEL_COLOR: Readonly<Record<Level, string>> = { revealed: 'teal', banded: 'cyan', masked: 'blue', verify_only: 'violet', hidden: 'gray' };

function Stat({ label, value, hint, testid }: { label: string; value: number; hint: string; testid: string }) {
  return (
    <Paper withBorder p="md" data-testid={testid} data-value={value}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: 0.5 }}>{label}</Text>
      <Text fz={28} fw={600} className="kh-mono" lh={1.3}>{value.toLocaleString('en-US')}</Text>
      <Text size="xs" c="dimmed">{hint}</Text>
    </Paper>
  );
}

function ByField({ totals }: { totals: BlastTotals }) {
  const rows = Object.entries(totals.byField).sort(([, a], [, b]) => b.customers - a.customers);
  return (
    <Paper withBorder data-testid="totals-by-field">
      <Text fw={600} px="md" py="sm" className="kh-row">By field</Text>
      <Table fz="sm" verticalSpacing={4}>
        <Table.Thead><Table.Tr><Table.Th>Field</Table.Th><Table.Th ta="right">Customers</Table.Th><Table.Th ta="right">Times</Table.Th><Table.Th>Highest level (customers)</Table.Th><Table.Th ta="right">High-balance</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map(([field, v]) => (
            <Table.Tr key={field} data-total-field={field}>
              <Table.Td>{exposedFieldLabel(field)}</Table.Td>
              <Table.Td ta="right" className="kh-mono">{v.customers}</Table.Td>
              <Table.Td ta="right" className="kh-mono">{v.count}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {LEVELS.filter((l) => (v.byLevel[l] ?? 0) > 0).map((l) => <Badge key={l} size="xs" variant="light" color={LEVEL_COLOR[l]}>{LEVEL_LABEL[l]} {v.byLevel[l]}</Badge>)}
                </Group>
              </Table.Td>
              <Table.Td ta="right" className="kh-mono">{totals.highBalance.byField[field] ?? 0}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function ByLevel({ totals }: { totals: BlastTotals }) {
  return (
    <Paper withBorder data-testid="totals-by-level">
      <Text fw={600} px="md" py="sm" className="kh-row">By highest level</Text>
      <Table fz="sm" verticalSpacing={4}>
        <Table.Thead><Table.Tr><Table.Th>Level</Table.Th><Table.Th ta="right">Customers</Table.Th><Table.Th ta="right">Customer-fields</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {LEVELS.filter((l) => l !== 'hidden').map((l) => (
            <Table.Tr key={l}>
              <Table.Td><LevelBadge level={l} /></Table.Td>
              <Table.Td ta="right" className="kh-mono">{totals.byLevel[l]?.customers ?? 0}</Table.Td>
              <Table.Td ta="right" className="kh-mono">{totals.byLevel[l]?.fields ?? 0}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function ByJurisdiction({ totals }: { totals: BlastTotals }) {
  const rows = Object.entries(totals.byJurisdiction).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <Paper withBorder p="md" data-testid="totals-by-jurisdiction">
      <Text fw={600} mb="xs">By jurisdiction</Text>
      <Stack gap={6}>
        {rows.map(([j, n]) => (
          <Group key={j} gap="xs" wrap="nowrap">
            <Text size="sm" w={36} className="kh-mono">{j}</Text>
            <Progress value={(100 * n) / max} style={{ flex: 1 }} size="md" />
            <Text size="sm" w={40} ta="right" className="kh-mono">{n}</Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}

export function BlastTotalsView({ totals }: { totals: BlastTotals }) {
  return (
    <Stack gap="lg">
      <SimpleGrid cols={4} spacing="md">
        <Stat label="Customers" value={totals.customers} hint="affected data subjects" testid="total-customers" />
        <Stat label="Log records" value={totals.records} hint="entries that exposed them" testid="total-records" />
        <Stat label="High-balance" value={totals.highBalance.customers} hint="VIP or Pro tier customers" testid="total-high-balance" />
        <Stat label="Jurisdictions" value={Object.keys(totals.byJurisdiction).length} hint="countries of residence" testid="total-jurisdictions" />
      </SimpleGrid>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 8 }}><ByField totals={totals} /></Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}><Stack gap="lg"><ByLevel totals={totals} /><ByJurisdiction totals={totals} /></Stack></Grid.Col>
      </Grid>
    </Stack>
  );
}
