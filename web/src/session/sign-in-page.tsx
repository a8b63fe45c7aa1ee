// Sign-in: the demo picker (KEYHOLE_DEMO=1) lists the seeded staff by role; one click signs in.
// After a forced sign-out (suspension, ended session) it says why.
import { useEffect, useMemo, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { Alert, Avatar, Badge, Box, Button, Center, Group, Loader, Paper, ScrollArea, SegmentedControl, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconKey, IconSearch } from '@tabler/icons-react';
import { ApiError, get } from '../api/client';
import type { Agent, Role } from '../api/types';
import { initials } from '../common/format';
import { useSession } from './session';

const ROLE_LABEL: Readonly<Record<Role, string>> = { agent: 'Agents', supervisor: 'Supervisors', security: 'Security' };

/** How this server lets staff sign in (GET /v1/auth/providers). */
interface Providers {
  readonly demo: boolean;
  readonly oidc: { readonly name: string; readonly loginUrl: string } | null;
}

/** What a failed single sign-on (`/signin?error=CODE`) means for the person signing in. */
const SSO_ERRORS: Readonly<Record<string, string>> = {
  OIDC_STATE_INVALID: 'This sign-in expired or was already used. Start again.',
  OIDC_SIGN_IN_REJECTED: "The identity provider's answer could not be verified, so you were not signed in. Start again; if it keeps failing, tell your security team.",
  OIDC_NOT_PROVISIONED: 'Your account is not set up for Keyhole. Ask your administrator to give you access.',
  AGENT_SUSPENDED: 'Your Keyhole access is suspended. Contact your security team.',
  OIDC_PROVIDER_UNAVAILABLE: 'The identity provider did not answer. Try again in a moment.',
};

export function SignInPage() {
  const { signIn, endedReason } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [agents, setAgents] = useState<readonly Agent[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [role, setRole] = useState<Role>('agent');
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [providers, setProviders] = useState<Providers | null>(null);
  const [ssoError] = useState(() => new URLSearchParams(location.search).get('error'));

  useEffect(() => {
    get<Providers>('/v1/auth/providers').then(setProviders, () => setProviders(null));
  }, []);

  useEffect(() => {
    if (location.pathname !== '/signin') navigate('/signin', { replace: true });
  }, [location.pathname, navigate]);
  useEffect(() => {
    get<{ agents: Agent[] }>('/v1/demo/agents').then((r) => setAgents(r.agents), (e: ApiError) => setError(e));
  }, []);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (agents ?? []).filter((a) => a.role === role && (!f || `${a.name} ${a.team} ${a.id}`.toLowerCase().includes(f)));
  }, [agents, role, filter]);

  const pick = async (a: Agent) => {
    setBusy(a.id);
    setError(null);
    try {
      await signIn(a.id);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
      setBusy(null);
    }
  };

  return (
    <Center mih="100dvh" p="md" bg="light-dark(var(--mantine-color-gray-0), var(--mantine-color-dark-8))">
      <Paper withBorder shadow="sm" p="xl" w={560} radius="lg">
        <Stack gap="lg">
          <Group gap="sm">
            <Avatar color="brand" variant="filled" radius="md"><IconKey size={20} /></Avatar>
            <Box>
              <Title order={3}>Sign in to Keyhole</Title>
              <Text size="sm" c="dimmed">Customer data on a need-to-see basis. Every look is on the audit log.</Text>
            </Box>
          </Group>
          {ssoError && <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Sign-in refused" data-testid="sso-error">{SSO_ERRORS[ssoError] ?? 'The sign-in failed. Start again.'} <Text span size="xs" c="dimmed">({ssoError})</Text></Alert>}
          {providers?.oidc && (
            <Button component="a" href={`${providers.oidc.loginUrl}?returnTo=%2F`} size="md" fullWidth data-testid="sso-sign-in">
              Sign in with {providers.oidc.name}
            </Button>
          )}
          {endedReason && <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Signed out" data-testid="ended-reason">{endedReason}</Alert>}
          {error?.status === 404 && providers?.oidc ? null : error?.status === 404 ? (
            <Alert color="gray" title="The demo sign-in is off">
              This server runs without KEYHOLE_DEMO=1, so there is no picker. Sign in through your organisation's single sign-on, or start the demo with <code>npm start</code>.
            </Alert>
          ) : error ? (
            <Alert color="red" title="Sign-in failed">{error.message}</Alert>
          ) : null}
          {agents === null && !error && <Center py="xl"><Loader size="sm" /></Center>}
          {agents && (
            <Stack gap="sm">
              <Group justify="space-between">
                <SegmentedControl size="xs" value={role} onChange={(v) => setRole(v as Role)}
                  data={(['agent', 'supervisor', 'security'] as const).map((r) => ({ value: r, label: ROLE_LABEL[r] }))} />
                <TextInput size="xs" w={200} placeholder="Filter by name or team" leftSection={<IconSearch size={14} />} value={filter}
                  onChange={(e) => setFilter(e.currentTarget.value)} data-autofocus />
              </Group>
              <ScrollArea.Autosize mah={380} type="auto">
                <Stack gap={4}>
                  {shown.map((a) => (
                    <UnstyledButton key={a.id} onClick={() => void pick(a)} disabled={busy !== null} data-agent-id={a.id} className="kh-clickable"
                      p="xs" style={{ borderRadius: 'var(--mantine-radius-md)' }} aria-label={`Sign in as ${a.name}`}>
                      <Group justify="space-between" wrap="nowrap">
                        <Group gap="sm" wrap="nowrap">
                          <Avatar size="sm" radius="xl" color="initials" name={a.name}>{initials(a.name)}</Avatar>
                          <Box>
                            <Text size="sm" fw={500}>{a.name}</Text>
                            <Text size="xs" c="dimmed">{a.team} · {a.vendor} · {a.id}</Text>
                          </Box>
                        </Group>
                        {busy === a.id ? <Loader size="xs" /> : a.status === 'suspended' ? <Badge color="red" variant="light">Suspended</Badge> : null}
                      </Group>
                    </UnstyledButton>
                  ))}
                  {shown.length === 0 && <Text size="sm" c="dimmed" ta="center" py="md">Nobody matches “{filter}”. Clear the filter to see everyone.</Text>}
                </Stack>
              </ScrollArea.Autosize>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
