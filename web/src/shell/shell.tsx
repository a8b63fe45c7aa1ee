// The signed-in frame: navigation by role, the header (live status, theme, help, who I am,
// sign-out), the keyboard shortcuts, and the watermarked content container every page renders
// into — so every screen that can show customer data carries the watermark.
import { type ReactNode, useState } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import { Alert, AppShell, Kbd, NavLink, Stack, Text, useMantineColorScheme, useComputedColorScheme } from '@mantine/core';
import { IconAlertOctagon, IconAlertTriangle, IconChecklist, IconFlame, IconInbox, IconPhotoSearch, IconShieldLock, IconTimeline } from '@tabler/icons-react';
import type { Role } from '../api/types';
import { useMe, useSession } from '../session/session';
import { HeaderBar } from './header-bar';
import { HelpModal } from './help-modal';
import { useHotkeys } from './hotkeys';
import { requestLookupFocus } from './lookup-focus';
import { Watermarked } from './watermark';
import { ForensicMark } from './forensic-mark';
import { SessionConfirm } from '../session/session-confirm';

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
  { to: '/security/alerts', label: 'Alerts', icon: <IconAlertTriangle size={17} />, keys: 'g r', roles: ['security'] },
  { to: '/security/break-glass', label: 'Break-glass', icon: <IconFlame size={17} />, keys: 'g b', roles: ['security'] },
  { to: '/security/identify', label: 'Leaked picture', icon: <IconPhotoSearch size={17} />, keys: 'g p', roles: ['security'] },
  { to: '/security/incidents', label: 'Incidents', icon: <IconAlertOctagon size={17} />, keys: 'g i', roles: ['security'] },
  { to: '/approvals', label: 'Approvals', icon: <IconChecklist size={17} />, keys: 'g a', roles: ['supervisor', 'security'] },
  { to: '/queue', label: 'My queue', icon: <IconInbox size={17} />, keys: 'g q', roles: ['agent', 'supervisor', 'security'] },
];


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
        <HeaderBar live={live} scheme={scheme} onLookup={lookup} onToggleScheme={toggleScheme} onHelp={() => setHelp(true)} onSignOut={() => void signOut()} />
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
        <Watermarked name={me.name} sessionCode={me.sessionCode} className="kh-page">
          {me.stepUp && (
            <Alert color="orange" variant="light" mb="md" icon={<IconShieldLock size={18} />} title="Extra approval is on for you" data-testid="step-up-notice">
              Your recent activity stands out from your usual pattern, so until the security team has reviewed it, your reveal requests need approval from
              security, not your supervisor. Keep to the customers of your tickets; nothing else changes.
              <SessionConfirm />
            </Alert>
          )}
          {children}
        </Watermarked>
        <ForensicMark sessionCode={me.sessionCode} />
      </AppShell.Main>
      <HelpModal opened={help} onClose={() => setHelp(false)} role={me.role} />
    </AppShell>
  );
}
