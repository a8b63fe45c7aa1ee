// The customer's passkeys: how many they have, and a button that registers one on this device
// (WebAuthn, user verification required). Approving a reveal needs one.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFingerprint, IconKey } from '@tabler/icons-react';
import type { ApiError } from '../api/client';
import { passkeyError, passkeysSupported, registerPasskey } from './passkeys';
import { useCustomer, usePortalSession } from './portal-session';

/** "Create a passkey": registers one and refreshes the session. */
export function RegisterPasskeyButton({ label = 'Create a passkey' }: { label?: string }) {
  const { refresh } = usePortalSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      await registerPasskey();
      await refresh();
      notifications.show({ color: 'teal', icon: <IconFingerprint size={18} />, title: 'Passkey created', message: 'Use it to sign in and to approve requests to see your data.' });
    } catch (e) {
      setError(passkeyError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={6}>
      <Button leftSection={<IconFingerprint size={16} />} loading={busy} onClick={() => void create()} disabled={!passkeysSupported()} data-testid="register-passkey" w="fit-content">
        {label}
      </Button>
      {!passkeysSupported() && <Text size="xs" c="dimmed">This browser cannot create passkeys. Use an up-to-date browser on your phone or computer.</Text>}
      {error && <Alert color="red" variant="light" title={error.message} data-testid="passkey-error">Error code {error.code}.</Alert>}
    </Stack>
  );
}

/** The passkey section of the security page. */
export function PasskeyCard() {
  const me = useCustomer();
  return (
    <Paper withBorder p="md" radius="md" data-testid="passkey-card" data-passkeys={me.passkeys}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs"><IconKey size={18} /><Text fw={600}>Passkeys</Text></Group>
          <Badge color={me.passkeys > 0 ? 'teal' : 'yellow'} variant="light">{me.passkeys > 0 ? `${me.passkeys} registered` : 'None yet'}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          A passkey signs you in and approves requests to see your data, with your fingerprint, face or device PIN. It cannot be phished or read out over the phone.
        </Text>
        <RegisterPasskeyButton label={me.passkeys > 0 ? 'Add a passkey on this device' : 'Create a passkey'} />
      </Stack>
    </Paper>
  );
}
