// The privacy lock: one switch. While it is on, support cannot look up, open or reveal anything
// of the customer's — only break-glass gets through (two security approvers), and the customer
// is told when it happens. Turning it on also ends every access they allowed.
import { useState } from 'react';
import { Alert, Group, Paper, Stack, Switch, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLock, IconLockOpen } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { portalApi } from './api';
import { unlockWithPasskey } from './passkeys';
import { useCustomer, usePortalSession } from './portal-session';

export function PrivacyLock({ onChanged }: { onChanged?: () => void }) {
  const me = useCustomer();
  const { refresh } = usePortalSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const toggle = async (locked: boolean) => {
    setBusy(true);
    setError(null);
    try {
      // Lifting the lock needs the passkey when there is one (issue 14 item 2): a thief with
      // the session alone cannot open the data again.
      if (!locked && me.passkeys > 0) await unlockWithPasskey();
      else await portalApi.lock(locked);
      await refresh();
      onChanged?.();
      notifications.show(locked
        ? { color: 'brand', icon: <IconLock size={18} />, title: 'Your data is locked', message: 'Support can no longer open your account. Turn it off when you need help.' }
        : { color: 'gray', icon: <IconLockOpen size={18} />, title: 'Lock turned off', message: 'Support can open your account again, on a ticket.' });
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" radius="md" data-testid="privacy-lock" data-locked={me.locked}
      style={me.locked ? { borderColor: 'var(--mantine-color-brand-6)' } : undefined}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">{me.locked ? <IconLock size={18} /> : <IconLockOpen size={18} />}<Text fw={600}>Privacy lock</Text></Group>
          <Switch size="md" checked={me.locked} disabled={busy} onChange={(e) => void toggle(e.currentTarget.checked)}
            label={me.locked ? 'On' : 'Off'} labelPosition="left" data-testid="lock-switch" aria-label="Privacy lock" />
        </Group>
        <Text size="sm">
          {me.locked
            ? 'Your data is locked. Nobody at support can look you up, open your account or ask to see more.'
            : 'Turn this on if you do not expect to need support: nobody there can look you up, open your account or ask to see more.'}
        </Text>
        <Text size="sm" c="dimmed">
          The only way past it is break-glass, for emergencies such as stopping a theft: two people from our security team must approve, never the agent asking,
          it lasts at most an hour, and you will get a notice here and see every access it allowed.
          {!me.locked && ' Turning it on also ends any access you allowed, and removes anything already on an agent\'s screen.'}
          {me.locked && me.passkeys > 0 && ' Turning it off asks for your passkey.'}
        </Text>
        {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}. Try again.</Alert>}
      </Stack>
    </Paper>
  );
}
