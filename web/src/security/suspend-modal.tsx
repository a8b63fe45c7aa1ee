// Suspend or reinstate an agent, with a reason for the audit log. Suspension revokes every
// grant and ends every session of the agent at once; their console returns to sign-in.
import { useState } from 'react';
import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ApiError, post } from '../api/client';
import type { AgentActivity } from '../api/types';

export function SuspendModal({ agent, onClose, onDone }: { agent: AgentActivity | null; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const suspend = agent?.status === 'active';

  const submit = async () => {
    if (!agent) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ grantsRevoked: number; sessionsEnded: number; ticketsWithdrawn?: number }>(`/v1/agents/${agent.id}/${suspend ? 'suspend' : 'reinstate'}`, { reason: reason.trim() });
      notifications.show({
        color: suspend ? 'grape' : 'teal', title: suspend ? `${agent.name} suspended` : `${agent.name} reinstated`,
        message: suspend ? `${r.grantsRevoked} grant(s) revoked, ${r.sessionsEnded} session(s) ended, ${r.ticketsWithdrawn ?? 0} open ticket(s) handed over with new contact codes.` : 'They can sign in again.',
      });
      setReason('');
      onDone();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={agent !== null} onClose={onClose} title={agent ? `${suspend ? 'Suspend' : 'Reinstate'} ${agent.name}` : ''} size="md">
      <form onSubmit={(e) => { e.preventDefault(); if (reason.trim().length >= 3) void submit(); }}>
        <Stack gap="sm">
          <Text size="sm">
            {suspend ? 'Suspension takes effect at once: every grant is revoked, every session ends and their console returns to sign-in. Pending reveal requests are cancelled. Their open tickets go to a teammate (or wait unassigned) with new contact codes, and those customers are told the earlier contact is no longer from support.'
              : 'Reinstating lets them sign in again. Grants revoked at suspension stay revoked.'}
          </Text>
          <Textarea label="Reason" description="Kept on the audit log" placeholder={suspend ? 'e.g. Viewing customers outside their tickets' : 'e.g. Investigation closed, no wrongdoing'}
            autosize minRows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus data-testid="suspend-reason" />
          {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" color={suspend ? 'red' : 'teal'} loading={busy} disabled={reason.trim().length < 3} data-testid="confirm-suspend">{suspend ? 'Suspend now' : 'Reinstate'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
