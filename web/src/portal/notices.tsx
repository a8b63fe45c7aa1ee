// What the customer must know about their account: the incident protections (the "we will never
// call you" banner, measures in force, advice) and notices such as a break-glass access to
// their data. Shown only when there is something to show.
import { Alert, List, Paper, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconFlame, IconPhoneOff, IconShieldHalf } from '@tabler/icons-react';
import { shortTime } from '../common/format';
import type { Notice, Protections } from './api';

/** The never-call banner, when active. */
export function NeverCallBanner({ protections }: { protections: Protections }) {
  if (!protections.banner) return null;
  return (
    <Alert color="red" variant="filled" icon={<IconPhoneOff size={22} />} title="We will never call you" data-testid="never-call-banner">
      {protections.banner}
    </Alert>
  );
}

/** The measures in force and the advice after an incident. */
export function ProtectionDetails({ protections }: { protections: Protections }) {
  if (protections.measures.length === 0 && protections.advice.length === 0) return null;
  return (
    <Paper withBorder p="md" radius="md" data-testid="protections">
      <Stack gap="sm">
        <Text fw={600}>Extra protection on your account</Text>
        <Text size="sm" c="dimmed">After a security incident that concerned your account, we put these in place. Nothing is needed from you for them to work.</Text>
        {protections.measures.length > 0 && (
          <List size="sm" spacing={6} icon={<IconShieldHalf size={16} color="var(--mantine-color-teal-6)" />}>
            {protections.measures.map((m) => <List.Item key={m.kind}>{m.text} <Text span size="xs" c="dimmed">(since {shortTime(m.since)})</Text></List.Item>)}
          </List>
        )}
        {protections.advice.map((a) => (
          <Stack key={a.topic} gap={2}>
            <Text size="sm" fw={600}>{a.title}</Text>
            <Text size="sm">{a.text}</Text>
          </Stack>
        ))}
      </Stack>
    </Paper>
  );
}

interface BreakGlassBody { readonly ticketId?: string; readonly reason?: string; readonly approvers?: number; readonly until?: string }

function parseBody(body: unknown): BreakGlassBody | null {
  try {
    const j: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    return j && typeof j === 'object' ? (j as BreakGlassBody) : null;
  } catch {
    return null;
  }
}

function NoticeItem({ n }: { n: Notice }) {
  if (n.kind === 'contact_withdrawn') {
    const b = parseBody(n.body);
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={`Your support contact changed · ${shortTime(n.createdAt)}`} data-testid="notice" data-kind="contact_withdrawn">
        The person who handled {b?.ticketId ? `ticket ${b.ticketId}` : 'your ticket'} is no longer from our support team. If they contact you again, it is not us. See “Is this really support?” for the new contact code.
      </Alert>
    );
  }
  if (n.kind !== 'break_glass') {
    return <Alert color="blue" variant="light" icon={<IconAlertTriangle size={18} />} title={`Notice · ${shortTime(n.createdAt)}`} data-testid="notice">{typeof n.body === 'string' ? n.body : 'There is news about your account. Contact us through the app if anything is unclear.'}</Alert>;
  }
  const b = parseBody(n.body);
  return (
    <Alert color="orange" variant="light" icon={<IconFlame size={18} />} title="Emergency access to your locked data (break-glass)" data-testid="notice" data-kind="break_glass">
      <Stack gap={4}>
        <Text size="sm">
          On {shortTime(n.createdAt)}, {b?.approvers ?? 2} people from our security team approved access past your privacy lock
          {b?.ticketId ? ` on ticket ${b.ticketId}` : ''}{b?.until ? `, until ${shortTime(b.until)}` : ''}.
        </Text>
        {b?.reason && <Text size="sm">The reason given: “{b.reason}”</Text>}
        <Text size="sm" c="dimmed">Every access it allowed is marked “Break-glass” under Who looked at my data. If you did not expect this, contact us through the app.</Text>
      </Stack>
    </Alert>
  );
}

/** The notices, newest first, or nothing. */
export function Notices({ notices }: { notices: readonly Notice[] }) {
  if (notices.length === 0) return null;
  return <Stack gap="sm" data-testid="notices">{notices.map((n) => <NoticeItem key={n.id} n={n} />)}</Stack>;
}
