// The portal's home: what needs the customer now (incident banner, notices, requests waiting for
// consent), the access they allowed, who from support is on their open tickets with the
// contact code, and the privacy lock.
import { Anchor, Grid, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { IconArrowRight, IconInbox } from '@tabler/icons-react';
import { Link } from 'react-router';
import { ErrorState, Loading } from '../common/states';
import { useNow } from '../common/use-load';
import { ConsentRequests } from './consent-requests';
import { LiveGrants } from './live-grants';
import { NeverCallBanner, Notices } from './notices';
import { useCustomer, usePortalSession } from './portal-session';
import { PrivacyLock } from './privacy-lock';
import { SupportContacts } from './support-contacts';
import { usePortalData } from './use-portal-data';

export default function HomePage() {
  const me = useCustomer();
  const { serverNow } = usePortalSession();
  const d = usePortalData();
  useNow(60_000);
  const contacts = d.contacts.data?.contacts ?? [];
  const unread = (d.notices.data ?? []).filter((n) => !n.read);
  const waiting = d.consents.data ?? [];

  return (
    <Stack gap="lg" maw={1100}>
      <Stack gap={4}>
        <Title order={2}>Your data, your say</Title>
        <Text c="dimmed" size="sm">Account {me.accountId}. Support sees only what your ticket needs; anything more waits for your approval, and every look is on record.</Text>
      </Stack>
      {d.protections.data && <NeverCallBanner protections={d.protections.data} />}
      {unread.length > 0 && <Notices notices={unread} />}
      {d.consents.error ? <ErrorState error={d.consents.error} onRetry={() => void d.consents.reload()} /> : (
        waiting.length > 0 ? <ConsentRequests requests={waiting} contacts={contacts} onDone={d.reloadAccess} /> : d.consents.data && (
          <Paper withBorder p="md" radius="md" data-testid="no-consents">
            <Group gap="sm" wrap="nowrap">
              <IconInbox size={20} color="var(--mantine-color-dimmed)" />
              <Text size="sm" c="dimmed">No requests waiting for you. When an agent asks to see more of your data, the request appears here at once — keep this page open while you talk to support.</Text>
            </Group>
          </Paper>
        )
      )}
      <Grid gap="lg" align="flex-start">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="lg">
            {d.contacts.error ? <ErrorState error={d.contacts.error} onRetry={() => void d.contacts.reload()} />
              : d.contacts.data ? <SupportContacts data={d.contacts.data} now={serverNow()} /> : <Loading />}
            {d.grants.error ? <ErrorState error={d.grants.error} onRetry={() => void d.grants.reload()} />
              : d.grants.data ? <LiveGrants grants={d.grants.data} contacts={contacts} onDone={d.reloadAccess} /> : <Loading />}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="lg">
            <PrivacyLock onChanged={() => void d.reloadAccess()} />
            <Paper withBorder p="md" radius="md">
              <Stack gap={6}>
                <Text fw={600}>Who looked at my data</Text>
                <Text size="sm" c="dimmed">Every access by support, checked by your browser against our signed public log.</Text>
                <Anchor component={Link} to="/portal/activity" size="sm"><Group gap={4}>See every access <IconArrowRight size={14} /></Group></Anchor>
              </Stack>
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
