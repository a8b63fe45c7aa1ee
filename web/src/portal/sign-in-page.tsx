// The customer's sign-in: a passkey (discoverable credential, user verification required) and,
// when the server runs in demo mode (KEYHOLE_DEMO=1), a picker of demo customers: those with open
// tickets, or any customer by a search the server runs over all of them.
import { useEffect, useState } from 'react';
import { useDebouncedValue } from '@mantine/hooks';
import { Alert, Avatar, Box, Button, Center, Divider, Group, Loader, Paper, ScrollArea, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { IconFingerprint, IconSearch, IconShieldLock } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { portalApi, type DemoCustomer } from './api';
import { passkeysSupported, signInWithPasskey } from './passkeys';
import { usePortalSession } from './portal-session';

function DemoPicker({ onError }: { onError: (e: ApiError) => void }) {
  const { signInDemo } = usePortalSession();
  const [customers, setCustomers] = useState<readonly DemoCustomer[] | null>(null);
  const [off, setOff] = useState(false);
  const [filter, setFilter] = useState('');
  const [q] = useDebouncedValue(filter.trim(), 250);
  const [busy, setBusy] = useState<string | null>(null);
  // Without a search: customers with open tickets; with one: every customer whose id or account matches (server-side).
  useEffect(() => {
    let live = true;
    portalApi.demoCustomers(q).then((r) => live && setCustomers(r.customers), (e: ApiError) => live && (e.status === 404 ? setOff(true) : onError(e)));
    return () => { live = false; };
  }, [onError, q]);
  const shown = customers ?? [];
  if (off) return null;
  const pick = async (c: DemoCustomer) => {
    setBusy(c.id);
    try {
      await signInDemo(c.id);
    } catch (e) {
      onError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
      setBusy(null);
    }
  };
  return (
    <Stack gap="sm" data-testid="demo-picker">
      <Divider label="Demo: sign in as a customer" labelPosition="center" />
      {customers === null ? <Center py="md"><Loader size="sm" /></Center> : (
        <>
          <TextInput size="xs" placeholder="Search all customers: account or customer id" leftSection={<IconSearch size={14} />} value={filter} onChange={(e) => setFilter(e.currentTarget.value)}
            data-testid="demo-customer-search" aria-label="Search all demo customers by account or customer id" />
          {!q && <Text size="xs" c="dimmed">Customers with an open ticket; search to find anyone.</Text>}
          <ScrollArea.Autosize mah={260} type="auto">
            <Stack gap={2}>
              {shown.map((c) => (
                <UnstyledButton key={c.id} onClick={() => void pick(c)} disabled={busy !== null} data-customer-id={c.id} className="kh-clickable" p="xs"
                  style={{ borderRadius: 'var(--mantine-radius-md)' }} aria-label={`Sign in as customer ${c.accountId}`}>
                  <Group justify="space-between" wrap="nowrap">
                    <Box>
                      <Text size="sm" fw={500} className="kh-mono">{c.accountId}</Text>
                      <Text size="xs" c="dimmed">{c.id} · {c.jurisdiction}</Text>
                    </Box>
                    {busy === c.id && <Loader size="xs" />}
                  </Group>
                </UnstyledButton>
              ))}
              {shown.length === 0 && <Text size="sm" c="dimmed" ta="center" py="md">{q ? `No customer's id or account contains “${q}”.` : 'No demo customer has an open ticket. Search for one, or seed the demo again (npm start).'}</Text>}
            </Stack>
          </ScrollArea.Autosize>
        </>
      )}
    </Stack>
  );
}

export function PortalSignInPage() {
  const { refresh } = usePortalSession();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const passkey = async () => {
    setBusy(true);
    setError(null);
    try {
      await signInWithPasskey();
      await refresh();
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  };
  return (
    <Center mih="100dvh" p="md" className="kh-portal-bg">
      <Paper withBorder shadow="sm" p="xl" w={480} radius="lg">
        <Stack gap="lg">
          <Group gap="sm" wrap="nowrap">
            <Avatar color="teal" variant="filled" radius="md"><IconShieldLock size={20} /></Avatar>
            <Box>
              <Title order={3}>Your privacy centre</Title>
              <Text size="sm" c="dimmed">See who at support looked at your data, approve or refuse what they ask for, and lock your data.</Text>
            </Box>
          </Group>
          <Button size="md" leftSection={<IconFingerprint size={20} />} loading={busy} onClick={() => void passkey()} disabled={!passkeysSupported()} data-testid="passkey-sign-in">
            Sign in with a passkey
          </Button>
          {!passkeysSupported() && <Text size="xs" c="dimmed">This browser cannot use passkeys. Use an up-to-date browser.</Text>}
          {/^\d+\.\d+\.\d+\.\d+$/.test(window.location.hostname) && (
            <Text size="xs" c="orange" data-testid="localhost-hint">
              Passkeys do not work on an IP address. Open <a href={`${window.location.protocol}//localhost${window.location.port ? `:${window.location.port}` : ''}${window.location.pathname}`}>localhost</a> instead.
            </Text>
          )}
          {error && (
            <Alert color="red" variant="light" title={error.message} data-testid="sign-in-error">
              {error.code === 'PASSKEY_INVALID' ? 'No passkey of yours matched. Sign in once with your usual method and create a passkey under Security.' : `Error code ${error.code}.`}
            </Alert>
          )}
          <DemoPicker onError={setError} />
        </Stack>
      </Paper>
    </Center>
  );
}
