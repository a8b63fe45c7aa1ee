// Lookup for an inbound contact: one field that takes an e-mail, a phone number or an account
// id (recognised as typed), the ticket's purpose and channel. An exact match opens a ticket
// and goes to it; a miss says so without saying whether such a customer exists.
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Badge, Button, Group, Paper, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { ApiError, post } from '../api/client';
import type { Ticket } from '../api/types';
import { PURPOSE_OPTIONS } from '../common/format';
import { lookupFocused, onLookupFocus } from '../shell/lookup-focus';

type Kind = 'email' | 'phone' | 'accountId';

/** What the typed contact looks like, or undefined. */
export function contactKind(s: string): Kind | undefined {
  const v = s.trim();
  if (/^\S+@\S+\.\S+$/.test(v)) return 'email';
  if (/^KX-?\d{4,}$/i.test(v)) return 'accountId';
  if (/^\+?[\d\s().-]{6,}$/.test(v) && v.replace(/\D/g, '').length >= 6) return 'phone';
  return undefined;
}

const KIND_LABEL: Readonly<Record<Kind, string>> = { email: 'E-mail', phone: 'Phone', accountId: 'Account ID' };

export function LookupForm() {
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  const [contact, setContact] = useState('');
  const [purpose, setPurpose] = useState<string>('general_inquiry');
  const [channel, setChannel] = useState('phone');
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = contactKind(contact);

  useEffect(() => onLookupFocus(() => {
    input.current?.focus();
    lookupFocused();
  }), []);

  const submit = async () => {
    if (!kind) return;
    setBusy(true);
    setError(null);
    try {
      const t = await post<Ticket>('/v1/lookups', { [kind]: contact.trim(), purpose, channel, ...(subject.trim() ? { subject: subject.trim() } : {}) });
      setContact('');
      navigate(`/tickets/${t.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Stack gap="sm">
          <Group justify="space-between">
            <Text fw={600}>Inbound contact</Text>
            <Text size="xs" c="dimmed">Exact match only — opens a ticket assigned to you</Text>
          </Group>
          <Group align="flex-end" gap="sm" wrap="nowrap">
            <TextInput ref={input} style={{ flex: 1 }} label="E-mail, phone or account ID" placeholder="jane@example.com · +44 20 7946 0958 · KX-12345678"
              leftSection={<IconSearch size={16} />} value={contact} onChange={(e) => setContact(e.currentTarget.value)} autoComplete="off"
              rightSectionWidth={96} rightSection={kind ? <Badge size="sm" variant="light">{KIND_LABEL[kind]}</Badge> : null} data-testid="lookup-input" />
            <Select label="Purpose" w={190} data={PURPOSE_OPTIONS.filter((p) => p.value !== 'fraud_investigation')} value={purpose}
              onChange={(v) => setPurpose(v ?? 'general_inquiry')} allowDeselect={false} />
            <Stack gap={4}>
              <Text size="sm" fw={500}>Channel</Text>
              <SegmentedControl value={channel} onChange={setChannel} data={[{ value: 'phone', label: 'Phone' }, { value: 'email', label: 'E-mail' }, { value: 'chat', label: 'Chat' }]} />
            </Stack>
          </Group>
          <Group align="flex-end" gap="sm" wrap="nowrap">
            <TextInput style={{ flex: 1 }} label="Subject" placeholder="What the customer needs (optional)" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={200} />
            <Button type="submit" loading={busy} disabled={!kind}>Find and open ticket</Button>
          </Group>
          {contact.trim() !== '' && !kind && <Text size="xs" c="dimmed">Type a full e-mail address, a phone number with at least six digits, or an account ID like KX-12345678.</Text>}
          {error && (
            <Alert color={error.status === 404 ? 'yellow' : 'red'} variant="light" title={error.message} data-testid="lookup-error">
              {error.code === 'LOOKUP_NO_MATCH'
                ? 'Check the spelling with the caller and try another identifier. Lookup never lists near matches, so a typo finds nothing.'
                : `Error code ${error.code}.`}
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
