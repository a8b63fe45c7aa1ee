// My queue: the lookup for an inbound contact, then my tickets (open or closed), newest first.
// `j`/`k` move the selection, Enter opens it.
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { Badge, Group, Paper, SegmentedControl, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { IconInbox, IconMail, IconMessage, IconPhone } from '@tabler/icons-react';
import { get } from '../api/client';
import type { Ticket } from '../api/types';
import { ago, purposeLabel } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad, useNow } from '../common/use-load';
import { useSession } from '../session/session';
import { useHotkeys } from '../shell/hotkeys';
import { LookupForm } from './lookup-form';

/** The icon of a ticket's channel. */
export function ChannelIcon({ channel }: { channel: string }) {
  return channel === 'email' ? <IconMail size={16} /> : channel === 'chat' ? <IconMessage size={16} /> : <IconPhone size={16} />;
}

export function QueuePage() {
  const navigate = useNavigate();
  const [status, setStatus] = useState<'open' | 'closed'>('open');
  const tickets = useLoad(() => get<{ tickets: Ticket[] }>(`/v1/tickets?status=${status}`).then((r) => r.tickets), [status]);
  const [selected, setSelected] = useState(0);
  useNow(60_000);
  const now = useSession().serverNow();
  const list = tickets.data ?? [];
  useEffect(() => setSelected(0), [status]);
  useHotkeys({
    j: () => setSelected((s) => Math.min(s + 1, list.length - 1)),
    k: () => setSelected((s) => Math.max(s - 1, 0)),
    Enter: () => { const t = list[selected]; if (t) navigate(`/tickets/${t.id}`); },
  });

  return (
    <Stack gap="lg" maw={1100}>
      <Title order={3}>My queue</Title>
      <LookupForm />
      <Paper withBorder>
        <Group justify="space-between" px="md" py="sm" className="kh-row">
          <Text fw={600}>{status === 'open' ? 'Open tickets' : 'Closed tickets'}{tickets.data ? ` · ${list.length}` : ''}</Text>
          <SegmentedControl size="xs" value={status} onChange={(v) => setStatus(v as 'open' | 'closed')} data={[{ value: 'open', label: 'Open' }, { value: 'closed', label: 'Closed' }]} />
        </Group>
        {tickets.error ? <Stack p="md"><ErrorState error={tickets.error} onRetry={() => void tickets.reload()} /></Stack>
          : !tickets.data ? <Loading />
          : list.length === 0 ? (
            <Empty icon={<IconInbox size={22} />} title={status === 'open' ? 'Your queue is empty' : 'No closed tickets yet'}>
              {status === 'open' ? 'When a customer contacts you, press / and look them up by e-mail, phone or account ID — that opens a ticket here.' : 'Tickets you close appear here.'}
            </Empty>
          ) : (
            <Stack gap={0} data-testid="ticket-list">
              {list.map((t, i) => (
                <UnstyledButton key={t.id} className="kh-row kh-clickable" px="md" py={10} onClick={() => navigate(`/tickets/${t.id}`)}
                  data-ticket-id={t.id} data-selected={i === selected || undefined}
                  style={i === selected ? { boxShadow: 'inset 3px 0 0 var(--mantine-color-brand-6)' } : undefined}>
                  <Group justify="space-between" wrap="nowrap">
                    <Group gap="sm" wrap="nowrap">
                      <Text c="dimmed" component="span" style={{ display: 'flex' }}><ChannelIcon channel={t.channel} /></Text>
                      <Stack gap={0}>
                        <Text size="sm" fw={500}>{t.subject}</Text>
                        <Text size="xs" c="dimmed">{t.id} · customer {t.customerId}</Text>
                      </Stack>
                    </Group>
                    <Group gap="sm" wrap="nowrap">
                      <Badge variant="light" color="gray">{purposeLabel(t.purpose)}</Badge>
                      <Text size="xs" c="dimmed" w={80} ta="right">{ago(t.createdAt, now)}</Text>
                    </Group>
                  </Group>
                </UnstyledButton>
              ))}
            </Stack>
          )}
      </Paper>
    </Stack>
  );
}
