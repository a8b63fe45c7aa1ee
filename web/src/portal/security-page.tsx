// Security checkup: the scorecard of the customer's own protections (2FA, withdrawal allowlist,
// anti-phishing code, PGP key) with what to do next, their passkeys, and any incident
// protections and notices on their account.
import { Badge, Group, Paper, RingProgress, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconInfoCircle } from '@tabler/icons-react';
import { ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { portalApi, type Checkup, type CheckupItem } from './api';
import { Notices, ProtectionDetails } from './notices';
import { PasskeyCard } from './passkey-card';

const TITLES: Readonly<Record<string, string>> = {
  two_factor: 'Two-factor sign-in', withdrawal_allowlist: 'Withdrawal allowlist', anti_phishing_code: 'Anti-phishing code', pgp_key: 'PGP key',
};
const STATUS = {
  good: { color: 'teal', label: 'Good', icon: <IconCircleCheck size={16} /> },
  fair: { color: 'yellow', label: 'Could be better', icon: <IconInfoCircle size={16} /> },
  weak: { color: 'red', label: 'Weak', icon: <IconAlertTriangle size={16} /> },
} as const;

const scoreColor = (s: number) => (s >= 80 ? 'teal' : s >= 50 ? 'yellow' : 'red');

function Item({ item }: { item: CheckupItem }) {
  const s = STATUS[item.status];
  return (
    <Group align="flex-start" wrap="nowrap" className="kh-row" py="sm" data-testid="checkup-item" data-item={item.id} data-status={item.status}>
      <ThemeIcon color={s.color} variant="light" radius="xl">{s.icon}</ThemeIcon>
      <Stack gap={2} style={{ flex: 1 }}>
        <Group justify="space-between"><Text size="sm" fw={600}>{TITLES[item.id] ?? item.id}</Text><Badge color={s.color} variant="light">{s.label}</Badge></Group>
        <Text size="sm">{item.summary}</Text>
        {item.recommendation && <Text size="sm" c="dimmed">→ {item.recommendation}</Text>}
      </Stack>
    </Group>
  );
}

function Scorecard({ checkup }: { checkup: Checkup }) {
  const todo = checkup.items.filter((i) => i.recommendation && i.status !== 'good').length;
  return (
    <Paper withBorder p="md" radius="md" data-testid="checkup" data-score={checkup.score}>
      <Group align="flex-start" wrap="nowrap" gap="xl">
        <RingProgress size={120} thickness={10} roundCaps sections={[{ value: checkup.score, color: scoreColor(checkup.score) }]}
          label={<Stack gap={0} align="center"><Text fw={700} fz={26}>{checkup.score}</Text><Text size="xs" c="dimmed">of 100</Text></Stack>} />
        <Stack gap={0} style={{ flex: 1 }}>
          <Text fw={600}>{todo === 0 ? 'Your account is well protected.' : `${todo} thing${todo === 1 ? '' : 's'} would make your account safer.`}</Text>
          {checkup.items.map((i) => <Item key={i.id} item={i} />)}
        </Stack>
      </Group>
    </Paper>
  );
}

export default function SecurityPage() {
  const checkup = useLoad(() => portalApi.checkup(), []);
  const notices = useLoad(() => portalApi.notices().then((r) => r.notices), []);
  const protections = useLoad(() => portalApi.protections(), []);
  return (
    <Stack gap="lg" maw={920}>
      <Stack gap={4}>
        <Title order={2}>Security checkup</Title>
        <Text c="dimmed" size="sm">How well your account is protected, and what to do next. We only show facts about your settings, never their values.</Text>
      </Stack>
      {checkup.error ? <ErrorState error={checkup.error} onRetry={() => void checkup.reload()} /> : checkup.data ? <Scorecard checkup={checkup.data} /> : <Loading />}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <PasskeyCard />
        {protections.data && <ProtectionDetails protections={protections.data} />}
      </SimpleGrid>
      {notices.data && <Notices notices={notices.data} />}
      {notices.error && <ErrorState error={notices.error} onRetry={() => void notices.reload()} />}
    </Stack>
  );
}
