// Customer notifications: edit the template (plain text, `{{variable}}` placeholders only; each
// save is a new version), preview it for any affected customer, and queue one message per
// customer and channel with the version previewed — queueing again never sends twice. The
// outbox status per channel follows while messages are on their way.
import { useEffect, useState } from 'react';
import { Alert, Anchor, Badge, Button, Code, Grid, Group, Paper, SegmentedControl, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { Link } from 'react-router';
import { notifications } from '@mantine/notifications';
import { IconMailOff } from '@tabler/icons-react';
import { ApiError, get } from '../api/client';
import { shortTime } from '../common/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { incidentApi, type BlastCustomer, type Channel, type NotificationStatus, type Template } from './incident-api';
import { adviceLabel, protectionLabel, STATUS_COLOR } from './words';

/** In demo mode with the local mail catcher: a link to what it caught (nothing otherwise). */
function DemoMailLink() {
  const [caught, setCaught] = useState(false);
  useEffect(() => {
    let live = true;
    get('/v1/demo/mail?limit=1').then(() => live && setCaught(true), () => undefined);
    return () => { live = false; };
  }, []);
  if (!caught) return null;
  return <Text size="xs" mt={4}>Demo: e-mail goes to a local mail catcher; <Anchor component={Link} to="/security/mail" data-testid="sent-mail-link">see what was sent</Anchor>.</Text>;
}

const asError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
const CHANNEL_HINT: Readonly<Record<Channel, string>> = {
  email: 'Set KEYHOLE_SMTP_URL and KEYHOLE_NOTIFY_FROM on the server to send e-mail.',
  webhook: 'Set KEYHOLE_NOTIFY_WEBHOOK and KEYHOLE_NOTIFY_WEBHOOK_SECRET on the server to hand messages to the exchange.',
};

function TemplateEditor({ template, onSaved }: { template: Template; onSaved: (t: Template) => void }) {
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const dirty = subject !== template.subject || body !== template.body;
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const t = await incidentApi.saveTemplate({ subject, body });
      notifications.show({ color: 'teal', title: `Template saved as version ${t.version}`, message: 'Preview it again before sending.' });
      onSaved(t);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" data-testid="template-editor">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Template</Text>
        <Text size="xs" c="dimmed" data-testid="template-version">
          Version {template.version}{template.version === 0 ? ' (the shipped default)' : ` · ${template.updatedBy ?? 'system'} · ${template.updatedAt ? shortTime(template.updatedAt) : ''}`}
        </Text>
      </Group>
      <Stack gap="sm">
        <TextInput label="Subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value)} maxLength={300} data-testid="template-subject" />
        <Textarea label="Body" autosize minRows={10} maxRows={22} value={body} onChange={(e) => setBody(e.currentTarget.value)} styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }} data-testid="template-body" />
        <Group gap={4}>
          <Text size="xs" c="dimmed">Placeholders:</Text>
          {template.variables.map((v) => <Code key={v} fz={11}>{`{{${v}}}`}</Code>)}
        </Group>
        {error && <Alert color="red" variant="light" title={error.message}>Error code {error.code}.</Alert>}
        <Group justify="flex-end">
          <Button variant="default" disabled={!dirty} onClick={() => { setSubject(template.subject); setBody(template.body); }}>Discard changes</Button>
          <Button onClick={() => void save()} loading={busy} disabled={!dirty} data-testid="save-template">Save as version {template.version + 1}</Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function StatusView({ status }: { status: NotificationStatus }) {
  const rows: [string, Readonly<Record<string, number>>][] = [['E-mail', status.email], ['Webhook', status.webhook], ['Protection events', status.protectionWebhook]];
  return (
    <Paper withBorder p="md" data-testid="outbox-status">
      <Text fw={600} mb="xs">Outbox</Text>
      <Stack gap={6}>
        {rows.map(([label, counts]) => (
          <Group key={label} justify="space-between" data-channel={label}>
            <Text size="sm">{label}</Text>
            <Group gap={4}>
              {Object.keys(counts).length === 0 ? <Text size="xs" c="dimmed">nothing queued</Text>
                : Object.entries(counts).map(([s, n]) => <Badge key={s} variant="light" color={STATUS_COLOR[s] ?? 'gray'} data-status={s} data-count={n}>{n} {s}</Badge>)}
            </Group>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}

function Send({ incidentId, version, total, onQueued }: { incidentId: string; version: number; total: number; onQueued: () => void }) {
  const [channel, setChannel] = useState<Channel>('email');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [last, setLast] = useState<{ queued: number; alreadyQueued: number } | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await incidentApi.notify(incidentId, channel, version);
      setLast(r);
      notifications.show({ color: 'teal', title: `${r.queued} notification(s) queued`, message: r.alreadyQueued > 0 ? `${r.alreadyQueued} were queued before and are not sent again.` : 'Delivery status below.' });
      onQueued();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" data-testid="send-notifications">
      <Text fw={600} mb="xs">Send</Text>
      <Group>
        <SegmentedControl value={channel} onChange={(v) => setChannel(v as Channel)} data={[{ value: 'email', label: 'E-mail' }, { value: 'webhook', label: 'Exchange webhook' }]} />
        <Button onClick={() => void send()} loading={busy} disabled={total === 0} data-testid="send-button">Queue {total} with version {version}</Button>
      </Group>
      <Text size="xs" c="dimmed" mt="xs">One message per customer and channel, ever: sending again only adds customers not yet queued.</Text>
      <DemoMailLink />
      {last && <Text size="sm" mt="xs" data-testid="send-result">Last send: {last.queued} queued, {last.alreadyQueued} already queued before (not sent again).</Text>}
      {error && (
        <Alert mt="sm" color={error.code === 'TEMPLATE_STALE' ? 'yellow' : 'red'} variant="light" title={error.message} data-testid="send-error">
          {error.code === 'CHANNEL_NOT_CONFIGURED' ? CHANNEL_HINT[channel] : error.code === 'TEMPLATE_STALE' ? 'The template changed since this preview. Look at the new preview, then send.' : `Error code ${error.code}.`}
        </Alert>
      )}
    </Paper>
  );
}

export function NotificationsPanel({ incidentId, customers, version }: { incidentId: string; customers: readonly BlastCustomer[]; version: number }) {
  const template = useLoad(() => incidentApi.template(), []);
  const [customerId, setCustomerId] = useState<string | null>(customers[0]?.customerId ?? null);
  const preview = useLoad(() => incidentApi.preview(incidentId, customerId ?? undefined, 1), [incidentId, customerId, template.data?.version, version]);
  const status = useLoad(() => incidentApi.notificationStatus(incidentId), [incidentId]);
  const busy = Object.values(status.data ?? {}).some((c: Readonly<Record<string, number>>) => (c.pending ?? 0) + (c.sending ?? 0) > 0);
  useEffect(() => {
    if (!busy) return;
    const t = setTimeout(() => void status.reload(), 2000);
    return () => clearTimeout(t);
  }, [busy, status.data]);

  if (customers.length === 0) {
    return <Paper withBorder><Empty icon={<IconMailOff size={22} />} title="Nobody to notify">No customer was exposed in this incident's window, so there is no notification to send.</Empty></Paper>;
  }
  const draft = preview.data?.drafts[0];
  return (
    <Grid gap="lg" data-testid="notifications">
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Stack gap="lg">
          {template.error ? <ErrorState error={template.error} onRetry={() => void template.reload()} />
            : !template.data ? <Loading />
            : <TemplateEditor key={template.data.version} template={template.data} onSaved={(t) => template.set(t)} />}
          {status.data && <StatusView status={status.data} />}
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Stack gap="lg">
          {preview.data && <Send incidentId={incidentId} version={preview.data.templateVersion} total={preview.data.total} onQueued={() => void status.reload()} />}
          <Paper withBorder p="md" data-testid="notification-preview">
            <Group justify="space-between" mb="xs">
              <Text fw={600}>Preview</Text>
              <Select size="xs" w={260} searchable data={customers.map((c) => ({ value: c.customerId, label: `${c.customerId} · ${c.accountId}` }))} value={customerId} onChange={setCustomerId}
                allowDeselect={false} data-testid="preview-customer" />
            </Group>
            {preview.error ? <ErrorState error={preview.error} onRetry={() => void preview.reload()} />
              : !draft ? <Loading />
              : (
                <Stack gap={6} data-preview-customer={draft.customerId} data-template-version={draft.templateVersion}>
                  <Text size="xs" c="dimmed">To the customer of account {draft.accountId} · template version {draft.templateVersion} · {draft.data.seen.length} item(s) seen · {draft.data.measures.length} measure(s)</Text>
                  <Group gap={4} data-testid="preview-tailoring">
                    {draft.data.measures.map((m) => <Badge key={m} size="xs" variant="light" color="orange">{protectionLabel(m)}</Badge>)}
                    {draft.data.advice.map((a) => <Badge key={a} size="xs" variant="outline" color="gray" data-advice={a}>{adviceLabel(a)}</Badge>)}
                  </Group>
                  <Text size="sm" fw={600} data-testid="preview-subject">{draft.subject}</Text>
                  <Code block fz={12} style={{ whiteSpace: 'pre-wrap', maxHeight: 460, overflow: 'auto' }} data-testid="preview-text">{draft.text}</Code>
                </Stack>
              )}
          </Paper>
        </Stack>
      </Grid.Col>
    </Grid>
  );
}
