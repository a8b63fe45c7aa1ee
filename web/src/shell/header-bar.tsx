// The header of the signed-in frame: the product mark, the live-updates state, lookup, theme,
// shortcuts and the account menu (who I am, my session code, sign-out).
import { ActionIcon, Avatar, Badge, Box, Group, Kbd, Menu, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconKeyboard, IconKey, IconLogout, IconMoon, IconSearch, IconSun } from '@tabler/icons-react';
import { Link } from 'react-router';
import type { Role } from '../api/types';
import { initials } from '../common/format';
import { useMe, type LiveState } from '../session/session';

const ROLE_COLOR: Readonly<Record<Role, string>> = { agent: 'gray', supervisor: 'grape', security: 'red' };
const LIVE_LABEL = { live: 'Live updates on', connecting: 'Connecting to live updates…', offline: 'Live updates offline; retrying' } as const;

interface Props {
  readonly live: LiveState;
  readonly scheme: 'light' | 'dark';
  readonly onLookup: () => void;
  readonly onToggleScheme: () => void;
  readonly onHelp: () => void;
  readonly onSignOut: () => void;
}

export function HeaderBar({ live, scheme, onLookup, onToggleScheme, onHelp, onSignOut }: Props) {
  const me = useMe();
  return (
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
          <ActionIcon variant="subtle" color="gray" onClick={onLookup} aria-label="Look up a contact"><IconSearch size={18} /></ActionIcon>
        </Tooltip>
        <Tooltip label={<>Theme <Kbd size="xs">t</Kbd></>}>
          <ActionIcon variant="subtle" color="gray" onClick={onToggleScheme} aria-label="Toggle light or dark theme">
            {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
          </ActionIcon>
        </Tooltip>
        <Tooltip label={<>Keyboard shortcuts <Kbd size="xs">?</Kbd></>}>
          <ActionIcon variant="subtle" color="gray" onClick={onHelp} aria-label="Keyboard shortcuts"><IconKeyboard size={18} /></ActionIcon>
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
            <Menu.Item leftSection={<IconKey size={16} />} component={Link} to="/profile" data-testid="profile">Profile and security keys</Menu.Item>
            <Menu.Item leftSection={<IconLogout size={16} />} onClick={onSignOut} data-testid="sign-out">Sign out</Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
    </Group>
  );
}
