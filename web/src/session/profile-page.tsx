// My profile: who I am and my security keys (name, created, last used, remove), and adding a
// key. Decisions that open data to someone else ask for one of these keys (step-up).
import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconKey, IconTrash } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { shortTime } from '../common/format';
import { useLoad } from '../common/use-load';
import { useMe } from './session';
import { listKeys, registerKey, removeKey } from './step-up';

export function ProfilePage() {
  const me = useMe();
  const keys = useLoad(() => listKeys(), []);
  const [name, setName] = useState('Security key');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      await registerKey(name.trim() || 'Security key');
      void keys.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'KEY_FAILED', String(e)));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await removeKey(id);
      void keys.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'KEY_FAILED', String(e)));
    }
  };

  return (
    <Stack gap="lg" maw={820}>
      <div>
        <Title order={2}>My profile</Title>
        <Text c="dimmed" size="sm">{me.name} · {me.email} · <Badge variant="light">{me.role}</Badge> · {me.team} · {me.vendor}</Text>
      </div>
      <Paper withBorder p="lg" radius="md">
        <Stack gap="md">
          <Group gap="xs"><IconKey size={18} /><Title order={4}>Security keys</Title></Group>
          <Text size="sm" c="dimmed">Approving a reveal, deciding break-glass, suspending or reinstating staff, opening an incident and applying protections ask you to confirm with one of these keys.</Text>
          {error && <Alert color="red" title="That did not work" data-testid="key-error">{error.message}</Alert>}
          {keys.data && keys.data.length === 0 && <Alert color="yellow" data-testid="no-keys">You have no security key yet. Add one before you approve anything.</Alert>}
          {keys.data && keys.data.length > 0 && (
            <Table data-testid="key-list" data-keys={keys.data.length}>
              <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Added</Table.Th><Table.Th>Last used</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {keys.data.map((k) => (
                  <Table.Tr key={k.id} data-testid="key-row">
                    <Table.Td>{k.name}</Table.Td>
                    <Table.Td>{shortTime(k.createdAt)}</Table.Td>
                    <Table.Td>{k.lastUsedAt ? shortTime(k.lastUsedAt) : 'never'}</Table.Td>
                    <Table.Td><Button size="xs" variant="subtle" color="red" leftSection={<IconTrash size={14} />} onClick={() => void remove(k.id)} aria-label={`Remove ${k.name}`}>Remove</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Group align="end">
            <TextInput label="Name of the new key" value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={60} w={260} />
            <Button onClick={() => void add()} loading={busy} data-testid="add-key">Add security key</Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
