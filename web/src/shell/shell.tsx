// The signed-in frame: navigation by role, the header (live status, theme, help, who I am,
// sign-out), the keyboard shortcuts, and the watermarked content container every page renders
// into — so every screen that can show customer data carries the watermark.
import { type ReactNode, useState } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import { ActionIcon, AppShell, Avatar, Badge, Box, Group, Kbd, Menu, NavLink, Stack, Text, Tooltip, UnstyledButton, useMantineColorScheme, useComputedColorScheme } from '@mantine/core';
import { IconChecklist, IconInbox, IconKeyboard, IconKey, IconLogout, IconMoon, IconSearch, IconShieldLock, IconSun, IconTimeline } from '@tabler/icons-react';
import type { Role } from '../api/types';
import { initials } from '../common/format';
import { useMe, useSession } from '../session/session';
import { HelpModal } from './help-modal';
import { useHotkeys } from './hotkeys';
import { requestLookupFocus } from './lookup-focus';
import { Watermarked } from './watermark';

interface NavItem {
  readonly to: string;
  readonly label: string;
  readonly icon: ReactNode;
  readonly keys: string;
  readonly roles: readonly Role[];
}

const NAV: readonly NavItem[] = [
  { to: '/security', label: 'Security', icon: <IconShieldLock size={17} />, keys: 'g s', roles: ['security'] },
  { to: '/security/audit', label: 'Audit log', icon: <IconTimeline size={17} />, keys: 'g l', roles: ['security'] },
  { to: '/approvals', label: 'Approvals', icon: <IconChecklist size={17} />, keys: 'g a', roles: ['supervisor', 'security'] },
  { to: '/queue', label: 'My queue', icon: <IconInbox size={17} />, keys: 'g q', roles: ['agent', 'supervisor', 'security'] },
];

const ROLE_COLOR: Readonly<Record<Role, string>> = { agent: 'gray', supervisor: 'grape', security: 'red' };
const LIVE_LABEL = { live: 'Live updates on', connecting: 'Connecting to live updates…', offline: 'Live updates offline; retrying' } as const;

export function Shell({ children }: { children: ReactNode }) {
  const { live, signOut } = useSession();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const [help, setHelp] = useState(false);
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const toggleScheme = () => setColorScheme(scheme === 'dark' ? 'light' : 'dark');
  const items = NAV.filter((n) => n.roles.includes(me.role));
  const lookup = () => {
    if (location.pathname !== '/queue') navigate('/queue');
    requestLookupFocus();
  };
  useHotkeys({
    '?': () => setHelp((h) => !h),
    '/': lookup,
    't': toggleScheme,
    ...Object.fromEntries(items.map((n) => [n.keys, () => navigate(n.to)])),
  });

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 216, breakpoint: 0 }} padding={0}>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap={8} wrap="nowrap">
            <Avatar size={28} color="brand" variant="filled" radius="md"><IconKey size={16} /></Avatar>
            <Text fw={600}>Keyhole</Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label={LIVE_LABEL[live]}>
              <Group gap={6} px={6} data-testid="live-state" data-state={live}>
                <span className="kh-live-dot" data-state={live} />
                <Text size="xs" c="dimmed">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Offline'}</Text>
              </Group>
            </Tooltip>
            <Tooltip label={<>Look up a contact <Kbd size="xs">/</Kbd></>}>
              <ActionIcon variant="subtle" color="gray" onClick={lookup} aria-label="Look up a contact"><IconSearch size={18} /></ActionIcon>
            </Tooltip>
            <Tooltip label={<>Theme <Kbd size="xs">t</Kbd></>}>
              <ActionIcon variant="subtle" color="gray" onClick={toggleScheme} aria-label="Toggle light or dark theme">
                {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
              </ActionIcon>
            </Tooltip>
            <Tooltip label={<>Keyboard shortcuts <Kbd size="xs">?</Kbd></>}>
              <ActionIcon variant="subtle" color="gray" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts"><IconKeyboard size={18} /></ActionIcon>
            </Tooltip>
            <Menu position="bottom-end" width={240}>
              <Menu.Target>
                <UnstyledButton aria-label="Account" data-testid="account-menu">
                  <Group gap={8} wrap="nowrap">
                    <Avatar size={28} radius="xl" color="initials" name={me.name}>{initials(me.name)}</Avatar>
                    <Box visibleFrom="xs">
                      <Text size="sm" fw={500} lh={1.1}>{me.name}</Text>
                      <Text size="xs" c="dimmed" lh={1.1}>{me.team}</Text>
                    </Box>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as {me.id}</Menu.Label>
                <Box px="sm" pb="xs">
                  <Group gap={6}><Badge color={ROLE_COLOR[me.role]} variant="light">{me.role}</Badge><Badge variant="outline" color="gray">session {me.sessionCode}</Badge></Group>
                </Box>
                <Menu.Divider />
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()} data-testid="sign-out">Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <Stack gap={2} style={{ flex: 1 }}>
          {items.map((n) => (
            <NavLink key={n.to} component={RouterLink} to={n.to} end label={n.label} leftSection={n.icon}
              rightSection={<Text size="xs" c="dimmed" className="kh-kbd-hint">{n.keys}</Text>} style={{ borderRadius: 'var(--mantine-radius-md)' }} />
          ))}
        </Stack>
        <Text size="xs" c="dimmed" px="sm" pb="xs">Press <Kbd size="xs">?</Kbd> for shortcuts</Text>
      </AppShell.Navbar>
      <AppShell.Main>
        <Watermarked name={me.name} sessionCode={me.sessionCode} className="kh-page">{children}</Watermarked>
      </AppShell.Main>
      <HelpModal opened={help} onClose={() => setHelp(false)} role={me.role} />
    </AppShell>
  );
}
