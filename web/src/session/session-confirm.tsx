// Inside the "extra approval" notice on an agent's desk: a session used from a new device or
// network is held by the session-binding detector, and its next touch of customer data would
// contain the agent. The person at the keyboard confirms with their security key that this
// browser is theirs; the server records the step-up from this client and the hold is lifted.
import { useState } from 'react';
import { Button, Group, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { confirmSession } from './step-up';

type State = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'error'; message: string };

/** The "confirm it's me" button with its outcome in words. */
export function SessionConfirm() {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const confirm = async () => {
    setState({ kind: 'busy' });
    try {
      await confirmSession();
      setState({ kind: 'done' });
    } catch (e) {
      setState({ kind: 'error', message: e instanceof ApiError ? e.message : String(e) });
    }
  };
  if (state.kind === 'done') {
    return <Text size="sm" mt="xs" fw={500} data-testid="session-confirmed">Confirmed: this browser and network are recorded as yours for this session.</Text>;
  }
  return (
    <>
      <Text size="sm" mt="xs">
        Signed in from a new computer or network? Confirm it with your security key before you open a customer; otherwise your next look at customer
        data is treated as someone else using your session, and your access is paused.
      </Text>
      <Group mt="xs" gap="sm">
        <Button size="xs" variant="light" color="orange" leftSection={<IconKey size={14} />} loading={state.kind === 'busy'} onClick={() => void confirm()} data-testid="session-confirm">
          Confirm with my security key
        </Button>
        {state.kind === 'error' && <Text size="sm" c="red" data-testid="session-confirm-error">{state.message}</Text>}
      </Group>
    </>
  );
}
