// Demo mode's "Sent mail": the customer notices the outbox delivered to the local mail catcher
// (GET /v1/demo/mail), newest first, each opening to its text. Outside demo mode, or with a real
// mail server configured, the route is absent and the page says so. Refreshed every 5 s.
import { useEffect, useState } from 'react';
import { Accordion, Badge, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import type { ResponseBody } from '../api/wire';
import { get } from '../api/client';
import { dateTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';

type SentMail = ResponseBody<'/v1/demo/mail', 'get'>;

export default function SentMailPage() {
  const mail = useLoad(() => get<SentMail>('/v1/demo/mail?limit=200'), []);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    const t = setInterval(() => void mail.reload(), 5000);
    return () => clearInterval(t);
  }, [mail.reload]);
  if (mail.error?.status === 404) {
    return (
      <Paper withBorder>
        <Empty icon={<IconMail size={22} />} title="No local mail catcher">
          Keyhole catches mail only in demo mode with no mail server configured. Here notices go to KEYHOLE_SMTP_URL or KEYHOLE_NOTIFY_WEBHOOK: look there.
        </Empty>
      </Paper>
    );
  }
  if (mail.error) return <ErrorState error={mail.error} onRetry={() => void mail.reload()} />;
  if (!mail.data) return <Loading />;
  const { messages, smtpUrl } = mail.data;
  return (
    <Stack gap="lg" data-testid="sent-mail" data-count={messages.length}>
      <Group justify="space-between">
        <Title order={2}>Sent mail <Badge variant="light" color="gray">demo</Badge></Title>
        <Text size="sm" c="dimmed">Caught by the local mail server at <Code>{smtpUrl}</Code>; nothing leaves this machine.</Text>
      </Group>
      {messages.length === 0 ? (
        <Paper withBorder>
          <Empty icon={<IconMail size={22} />} title="Nothing sent yet">
            Open an incident, then use “Send notifications” on its Notifications tab: each customer's notice shows up here within seconds.
          </Empty>
        </Paper>
      ) : (
        <Paper withBorder>
          <Accordion value={open} onChange={setOpen} chevronPosition="left">
            {messages.map((m) => (
              <Accordion.Item key={m.id} value={String(m.id)} data-mail-id={m.id} data-mail-to={m.to}>
                <Accordion.Control>
                  <Group justify="space-between" wrap="nowrap">
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <Text size="sm" fw={600} truncate>{m.subject || '(no subject)'}</Text>
                      <Text size="xs" c="dimmed" truncate>To {m.to} · from {m.from}</Text>
                    </Stack>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{dateTime(m.receivedAt)}</Text>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Code block fz={12} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxHeight: '24rem', overflowY: 'auto' }}>{m.body}</Code>
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </Paper>
      )}
    </Stack>
  );
}
