// The portal's own frame (no agent watermark: it is the customer's own data): the product mark,
// the three sections, the live-updates state, the theme switch and the account menu. A new
// consent request pops a notification on every screen.
import type { ReactNode } from 'react';
import { Link, matchPath, useLocation, useNavigate } from 'react-router';
import { ActionIcon, AppShell, Avatar, Badge, Box, Button, Group, Menu, Text, Tooltip, UnstyledButton, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconEye, IconFingerprint, IconHome, IconLock, IconLogout, IconMoon, IconShieldCheck, IconShieldLock, IconSun } from '@tabler/icons-react';
import { useConsentEvents, useCustomer, usePortalSession } from './portal-session';

const NAV = [
  { to: '/portal', label: 'Home', icon: <IconHome size={16} />, end: true },
  { to: '/portal/activity', label: 'Who looked at my data', icon: <IconEye size={16} />, end: false },
  { to: '/portal/security', label: 'Security checkup', icon: <IconShieldCheck size={16} />, end: false },
] as const;
const LIVE_LABEL = { live: 'Live: requests appear at once', connecting: 'Connecting…', offline: 'Offline; retrying' } as const;

export function PortalShell({ children }: { children: ReactNode }) {
  const me = useCustomer();
  const { live, signOut } = usePortalSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  useConsentEvents((e) => {
    if (e.status !== 'pending') return;
    notifications.show({
      id: `consent-${e.requestId}`, color: 'yellow', icon: <IconFingerprint size={18} />, autoClose: 15_000, title: 'Support asks to see your data',
      message: <UnstyledButton onClick={() => navigate('/portal')}><Text size="sm">Review it on Home: approve with your passkey, or refuse.</Text></UnstyledButton>,
    });
  });
  return (
    <AppShell header={{ height: 56 }} padding={0}>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Group gap={8} wrap="nowrap">
              <Avatar size={28} color="teal" variant="filled" radius="md"><IconShieldLock size={16} /></Avatar>
              <Text fw={600} visibleFrom="sm">Privacy centre</Text>
            </Group>
            <Group gap={4} wrap="nowrap">
              {NAV.map((n) => (
                <Button key={n.to} component={Link} to={n.to} variant={matchPath({ path: n.to, end: n.end }, pathname) ? 'light' : 'subtle'}
                  color={matchPath({ path: n.to, end: n.end }, pathname) ? 'brand' : 'gray'} size="compact-sm" leftSection={n.icon}>
                  {n.label}
                </Button>
              ))}
            </Group>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {me.locked && <Badge color="brand" variant="filled" leftSection={<IconLock size={12} />} data-testid="locked-badge">Locked</Badge>}
            <Tooltip label={LIVE_LABEL[live]}>
              <Group gap={6} px={6} data-testid="portal-live" data-state={live}><span className="kh-live-dot" data-state={live} /></Group>
            </Tooltip>
            <ActionIcon variant="subtle" color="gray" onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')} aria-label="Toggle light or dark theme">
              {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
            </ActionIcon>
            <Menu position="bottom-end" width={240}>
              <Menu.Target>
                <UnstyledButton aria-label="Account" data-testid="portal-account">
                  <Group gap={8} wrap="nowrap">
                    <Avatar size={28} radius="xl" color="teal">{me.accountId.slice(-2)}</Avatar>
                    <Box visibleFrom="xs"><Text size="sm" fw={500} lh={1.1} className="kh-mono">{me.accountId}</Text></Box>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Customer {me.id} · {me.jurisdiction}</Menu.Label>
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()} data-testid="portal-sign-out">Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Box className="kh-page kh-portal-bg">{children}</Box>
      </AppShell.Main>
    </AppShell>
  );
}
