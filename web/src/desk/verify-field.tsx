// Verify, don't view: the agent types what the caller says and the server answers match or no
// match, with the attempts left before the 24-hour lock. The typed answer is cleared as soon
// as it is sent (an uncontrolled input: it never becomes page state or an HTML attribute).
import { useRef, useState } from 'react';
import { ActionIcon, Badge, Group, Text, TextInput, Tooltip } from '@mantine/core';
import { IconArrowRight, IconCheck, IconX } from '@tabler/icons-react';
import { ApiError, post } from '../api/client';
import type { VerifyResult } from '../api/types';
import { FIELD_INFO } from './fields';

type Outcome = { readonly kind: 'result'; readonly r: VerifyResult } | { readonly kind: 'error'; readonly e: ApiError };

export function VerifyField({ ticketId, field, autoFocusKey }: { ticketId: string; field: string; autoFocusKey?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const locked = outcome?.kind === 'error' && outcome.e.code === 'VERIFY_LOCKED';

  const check = async () => {
    const answer = input.current?.value.trim() ?? '';
    if (!answer || busy) return;
    setBusy(true);
    try {
      const r = await post<VerifyResult>(`/v1/tickets/${ticketId}/verify`, { field, answer });
      setOutcome({ kind: 'result', r });
    } catch (e) {
      setOutcome({ kind: 'error', e: e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)) });
    } finally {
      if (input.current) input.current.value = '';
      setBusy(false);
    }
  };

  return (
    <Group gap="sm" wrap="nowrap" data-verify-field={field}>
      <form onSubmit={(e) => { e.preventDefault(); void check(); }} style={{ flex: '1 1 200px', maxWidth: 300 }}>
        <TextInput ref={input} size="xs" placeholder={FIELD_INFO[field]?.hint ?? 'What the caller says'} disabled={locked || busy} autoComplete="off"
          aria-label={`Check ${FIELD_INFO[field]?.label ?? field}`} data-verify-input={field} data-shortcut-target={autoFocusKey}
          rightSection={<Tooltip label="Check (Enter)"><ActionIcon type="submit" size="sm" variant="subtle" loading={busy} disabled={locked} aria-label={`Check the caller's ${FIELD_INFO[field]?.label ?? field}`}><IconArrowRight size={14} /></ActionIcon></Tooltip>} />
        {FIELD_INFO[field]?.compares && <Text size="xs" c="dimmed" mt={2} data-testid={`verify-compares-${field}`}>{FIELD_INFO[field]?.compares}</Text>}
      </form>
      {outcome?.kind === 'result' && (
        <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }} data-testid={`verify-result-${field}`} data-match={outcome.r.match}>
          <Badge color={outcome.r.match ? 'teal' : 'red'} variant="light" leftSection={outcome.r.match ? <IconCheck size={12} /> : <IconX size={12} />}>
            {outcome.r.match ? 'Match' : 'No match'}
          </Badge>
          <Text size="xs" c={outcome.r.attemptsLeft <= 2 ? 'red' : 'dimmed'} style={{ whiteSpace: 'nowrap' }}>{outcome.r.attemptsLeft} attempt{outcome.r.attemptsLeft === 1 ? '' : 's'} left</Text>
        </Group>
      )}
      {outcome?.kind === 'error' && <Text size="xs" c="red" style={{ flexShrink: 0, maxWidth: 260 }} data-testid={`verify-error-${field}`}>{outcome.e.message}</Text>}
    </Group>
  );
}
