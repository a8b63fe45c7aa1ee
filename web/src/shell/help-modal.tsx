// The keyboard-shortcut sheet (`?`).
import { Group, Kbd, Modal, Stack, Text } from '@mantine/core';
import type { Role } from '../api/types';

const SHORTCUTS: ReadonlyArray<{ keys: string; what: string; roles?: readonly Role[] }> = [
  { keys: 'g q', what: 'Go to my queue' },
  { keys: 'g a', what: 'Go to approvals', roles: ['supervisor', 'security'] },
  { keys: 'g s', what: 'Go to the security dashboard', roles: ['security'] },
  { keys: 'g l', what: 'Go to the audit log', roles: ['security'] },
  { keys: 'g i', what: 'Go to the incidents', roles: ['security'] },
  { keys: 'g p', what: 'Go to the leaked-picture identification', roles: ['security'] },
  { keys: '/', what: 'Look up an inbound contact' },
  { keys: 'j k', what: 'Move through a list' },
  { keys: 'Enter', what: 'Open the selected ticket' },
  { keys: 'v', what: 'On a ticket: verify the first verify-only field' },
  { keys: 'r', what: 'On a ticket: request a reveal' },
  { keys: 'c', what: 'On a ticket: close it' },
  { keys: 'a d', what: 'In approvals: approve or deny the selected request', roles: ['supervisor', 'security'] },
  { keys: 't', what: 'Switch light and dark theme' },
  { keys: '?', what: 'Show this sheet' },
  { keys: 'Esc', what: 'Leave a text field' },
];

export function HelpModal({ opened, onClose, role }: { opened: boolean; onClose: () => void; role: Role }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="md">
      <Stack gap={8}>
        {SHORTCUTS.filter((s) => !s.roles || s.roles.includes(role)).map((s) => (
          <Group key={s.keys} justify="space-between">
            <Text size="sm">{s.what}</Text>
            <Group gap={4}>{s.keys.split(' ').map((k) => <Kbd key={k} size="sm">{k}</Kbd>)}</Group>
          </Group>
        ))}
      </Stack>
    </Modal>
  );
}
