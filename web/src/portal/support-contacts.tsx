// "Is this really support?": while a ticket is open, the agent working on it (pseudonym), the
// channel and the one-time contact code their desk shows too — ask a caller to read it out —
// and, plainly, what support will never ask for.
import { Alert, Badge, Group, List, Paper, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconHeadset, IconMail, IconMessage, IconPhone, IconUserOff, IconX } from '@tabler/icons-react';
import { shortTime } from '../common/format';
import type { SupportContacts as Contacts, SupportContact, WithdrawnContact } from './api';

const CHANNEL_ICON = { email: <IconMail size={14} />, chat: <IconMessage size={14} />, phone: <IconPhone size={14} /> } as const;

function ContactRow({ c, now }: { c: SupportContact; now: number }) {
  return (
    <Group justify="space-between" className="kh-row" py="sm" wrap="nowrap" data-testid="support-contact" data-ticket-id={c.ticketId}>
      <Stack gap={2}>
        <Text size="sm" fw={500}>{c.agentPseudonym ?? 'Not assigned yet'}</Text>
        <Group gap={6}>
          <Badge variant="light" color="gray" leftSection={CHANNEL_ICON[c.channel as keyof typeof CHANNEL_ICON] ?? null}>{c.channel}</Badge>
          <Text size="xs" c="dimmed">ticket {c.ticketId} · “{c.subject}” · opened {shortTime(c.openedAt, now)}</Text>
        </Group>
      </Stack>
      {c.contactCode && (
        <Stack gap={0} align="flex-end">
          <Text size="xs" c="dimmed">Contact code</Text>
          <Text fw={700} fz={22} className="kh-mono" style={{ letterSpacing: '0.15em' }} data-testid="contact-code">{c.contactCode}</Text>
        </Stack>
      )}
    </Group>
  );
}

/** A contact that is no longer from support, said plainly (issue 14 item 1). */
function WithdrawnRow({ w, now }: { w: WithdrawnContact; now: number }) {
  return (
    <Alert color="red" variant="light" icon={<IconUserOff size={18} />} title={`${w.agentPseudonym} is no longer from support`}
      data-testid="withdrawn-contact" data-ticket-id={w.ticketId}>
      <Stack gap={4}>
        <Text size="sm">
          Since {shortTime(w.withdrawnAt, now)}, {w.agentPseudonym}{w.contactCode ? <> and contact code <Text span fw={700} className="kh-mono" data-testid="withdrawn-code">{w.contactCode}</Text></> : null} no
          longer speak for us on ticket {w.ticketId}. If anyone contacts you with that name or that code, it is not us: hang up or do not reply, and do not follow their instructions.
        </Text>
        <Text size="sm" c="dimmed">Your ticket stays open with a new contact code; only the code shown under “Is this really support?” is valid.</Text>
      </Stack>
    </Alert>
  );
}

export function SupportContacts({ data, now }: { data: Contacts; now: number }) {
  return (
    <Paper withBorder p="md" radius="md" data-testid="support-contacts">
      <Stack gap="sm">
        <Group gap="xs"><IconHeadset size={18} /><Text fw={600}>Is this really support?</Text></Group>
        {data.withdrawn.length > 0 && <Stack gap="xs" data-testid="withdrawn-contacts">{data.withdrawn.map((w) => <WithdrawnRow key={`${w.ticketId}-${w.withdrawnAt}`} w={w} now={now} />)}</Stack>}
        {data.contacts.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="no-contacts">
            You have no open ticket, so nobody from support should be contacting you now. If someone calls, e-mails or messages claiming to be us, it is not us: hang up and open a ticket in the app.
          </Text>
        ) : (
          <>
            <Text size="sm" c="dimmed">Someone contacting you about an open ticket can tell you its contact code: their screen shows the same one. If they cannot, or it differs, it is not us.</Text>
            <Stack gap={0}>{data.contacts.map((c) => <ContactRow key={c.ticketId} c={c} now={now} />)}</Stack>
          </>
        )}
        <Stack gap={6}>
          <Text size="sm" fw={600}>Support will never ask you for</Text>
          <List size="sm" spacing={4} data-testid="never-asks" icon={<ThemeIcon color="red" size={18} radius="xl" variant="light"><IconX size={12} /></ThemeIcon>}>
            {data.supportNeverAsks.map((x) => <List.Item key={x}>{x}</List.Item>)}
          </List>
        </Stack>
      </Stack>
    </Paper>
  );
}
