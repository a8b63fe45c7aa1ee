// One ticket: its header (subject, purpose, channel, age) with one-click close, the customer
// panel (levels, verify, revealed values) and the reveal panel. `v` jumps to the first verify
// input, `r` to the reveal reason.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Anchor, Badge, Button, Grid, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconCircleCheck, IconLock, IconShieldCheck } from '@tabler/icons-react';
import { ApiError, get, post } from '../api/client';
import type { Ticket } from '../api/types';
import { ago, purposeLabel } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { useMe, useSession } from '../session/session';
import { useHotkeys } from '../shell/hotkeys';
import { CustomerPanel } from './customer-panel';
import { ChannelIcon } from './queue-page';
import { BreakGlassPanel } from './break-glass-panel';
import { RevealPanel } from './reveal-panel';
import { useWorkspace } from './use-workspace';

function Workspace({ ticket }: { ticket: Ticket }) {
  const w = useWorkspace(ticket.id);
  useHotkeys({
    v: () => document.querySelector<HTMLInputElement>('[data-verify-input]')?.focus(),
    r: () => document.querySelector<HTMLTextAreaElement>('[data-shortcut="reveal-reason"]')?.focus(),
  });
  if (w.viewError?.code === 'CUSTOMER_LOCKED') return <BreakGlassPanel ticketId={ticket.id} onOpened={() => void w.loadView()} />;
  if (w.viewError) {
    return <ErrorState error={w.viewError} onRetry={() => void w.loadView()}
      hint={w.viewError.status === 429 ? 'Your access budget is used up for now. Ask your supervisor to extend it.' : undefined} />;
  }
  if (!w.view) return <Loading />;
  return (
    <Grid gap="lg" align="flex-start">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <CustomerPanel view={w.view} revealed={w.revealed} onHide={w.hide} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <RevealPanel view={w.view} requests={w.requests} usedGrants={w.usedGrants} onRequested={w.addRequest} onShow={w.loadView} />
      </Grid.Col>
    </Grid>
  );
}

export function TicketPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { serverNow } = useSession();
  const me = useMe();
  const ticket = useLoad(() => get<Ticket>(`/v1/tickets/${encodeURIComponent(id)}`), [id]);
  const [closing, setClosing] = useState(false);

  const close = async () => {
    setClosing(true);
    try {
      await post<Ticket>(`/v1/tickets/${id}/close`);
      notifications.show({ color: 'teal', icon: <IconCircleCheck size={18} />, title: 'Ticket closed', message: 'Its grants were revoked and pending requests cancelled.' });
      navigate('/queue');
    } catch (e) {
      notifications.show({ color: 'red', title: 'Could not close the ticket', message: e instanceof ApiError ? e.message : String(e) });
      setClosing(false);
    }
  };

  const back = <Anchor component={Link} to="/queue" size="sm" c="dimmed"><Group gap={4}><IconArrowLeft size={14} />My queue</Group></Anchor>;
  if (ticket.error) {
    return (
      <Stack gap="md" maw={760}>
        {back}
        {ticket.error.code === 'TICKET_NOT_FOUND'
          ? <Empty icon={<IconLock size={22} />} title={ticket.error.message} action={<Button component={Link} to="/queue" variant="light">Back to my queue</Button>}>
              Only the agent a ticket is assigned to can open it. It may have been reassigned, or the link is wrong. Look the customer up again if they are on the line.
            </Empty>
          : <ErrorState error={ticket.error} onRetry={() => void ticket.reload()} />}
      </Stack>
    );
  }
  const t = ticket.data;
  if (!t) return <Loading />;
  return (
    <Stack gap="lg" maw={1280}>
      <Stack gap={6}>
        {back}
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={6}>
            <Title order={3}>{t.subject}</Title>
            <Group gap="xs">
              <Badge variant="light">{purposeLabel(t.purpose)}</Badge>
              <Badge variant="light" color="gray" leftSection={<ChannelIcon channel={t.channel} />}>{t.channel}</Badge>
              <Badge variant="dot" color={t.status === 'open' ? 'teal' : 'gray'}>{t.status}</Badge>
              <Text size="xs" c="dimmed" className="kh-mono">{t.id}</Text>
              <Text size="xs" c="dimmed">opened {ago(t.createdAt, serverNow())}</Text>
              {t.contactCode && (
                <Tooltip multiline w={280} label="The customer sees this code in their privacy centre. Read it out when you contact them, so they know it is really us.">
                  <Badge variant="outline" color="teal" leftSection={<IconShieldCheck size={12} />} data-testid="contact-code">Contact code {t.contactCode}</Badge>
                </Tooltip>
              )}
            </Group>
          </Stack>
          {t.status === 'open' && t.assigneeId === me.id && <Button variant="default" leftSection={<IconCircleCheck size={16} />} loading={closing} onClick={() => void close()} data-testid="close-ticket">Close ticket</Button>}
        </Group>
      </Stack>
      {t.status === 'open' && t.assigneeId !== me.id ? (
        <Empty icon={<IconLock size={22} />} title="Not your ticket">
          It is assigned to {t.assigneeId ?? 'nobody yet'}. Its customer's data stays with the assigned agent; you see the ticket only. Decide its reveal requests under Approvals.
        </Empty>
      ) : t.status === 'open' ? <Workspace ticket={t} /> : (
        <Empty icon={<IconLock size={22} />} title="This ticket is closed">
          Closed {t.closedAt ? ago(t.closedAt, serverNow()) : ''}. Customer data is no longer available through it; look the customer up again to open a new ticket.
        </Empty>
      )}
    </Stack>
  );
}
