// Access the customer has allowed and that is still open: which agent (pseudonym), which
// fields, until when — each with Revoke, which ends it at once (the agent's next view is
// masked again).
import { useState } from 'react';
import { Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDoorExit, IconLockOpen } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { countdown } from '../common/format';
import { useNow } from '../common/use-load';
import { fieldLabel } from '../desk/fields';
import { portalApi, type CustomerGrant, type SupportContact } from './api';
import { usePortalSession } from './portal-session';

function GrantRow({ g, contact, onDone }: { g: CustomerGrant; contact: SupportContact | undefined; onDone: () => Promise<void> }) {
  const { serverNow } = usePortalSession();
  const [busy, setBusy] = useState(false);
  useNow(1000);
  const revoke = async () => {
    setBusy(true);
    try {
      await portalApi.revoke(g.id);
      notifications.show({ color: 'teal', icon: <IconDoorExit size={18} />, title: 'Access ended', message: `${g.fields.map(fieldLabel).join(', ')} is hidden from the agent again.` });
      await onDone();
    } catch (e) {
      notifications.show({ color: 'red', title: 'Could not end the access', message: e instanceof ApiError ? `${e.message} (${e.code})` : String(e) });
      await onDone();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group justify="space-between" className="kh-row" py="sm" wrap="nowrap" data-testid="grant" data-grant-id={g.id} data-shown={g.shownAt !== null}>
      <Stack gap={2}>
        <Text size="sm" fw={500}>{g.fields.map(fieldLabel).join(', ')}</Text>
        <Text size="xs" c="dimmed">
          {contact?.agentPseudonym ?? 'A support agent'} · ticket {g.ticketId}
          {g.shownAt ? ' · shown to the agent once; it stays on their screen until it ends' : ' · not used yet'}
        </Text>
      </Stack>
      <Group gap="sm" wrap="nowrap">
        <Badge variant="light" color="orange">{g.shownAt ? 'on screen, ' : ''}ends in {countdown(Date.parse(g.expiresAt) - serverNow())}</Badge>
        <Button size="xs" color="red" variant="light" loading={busy} onClick={() => void revoke()} data-testid="revoke-grant">{g.shownAt ? 'Remove from their screen' : 'Revoke'}</Button>
      </Group>
    </Group>
  );
}

/** The live grants, or a short line saying there are none. */
export function LiveGrants({ grants, contacts, onDone }: { grants: readonly CustomerGrant[]; contacts: readonly SupportContact[]; onDone: () => Promise<void> }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="live-grants">
      <Stack gap={4}>
        <Group gap="xs"><IconLockOpen size={18} /><Text fw={600}>Access you allowed</Text></Group>
        {grants.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="no-grants">Nobody can see more of your data than their ticket needs right now. When you approve a request, it shows here until it ends.</Text>
        ) : (
          <Stack gap={0}>
            <Text size="xs" c="dimmed">Each can be used once, until it ends. Revoke ends it now — even a value already on the agent's screen goes at once.</Text>
            {grants.map((g) => <GrantRow key={g.id} g={g} contact={contacts.find((c) => c.ticketId === g.ticketId)} onDone={onDone} />)}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
