// The security team's upload of a leaked picture (issue 16 item 2): a PNG or JPEG screenshot or
// phone photo goes to POST /v1/security/watermark/identify, and the page shows what its forensic
// mark names — the agent, the session's span, the 10-minute window, the tickets and customers
// that session displayed then, each record with its log inclusion proof — or says plainly that
// no mark was found. docs/design/watermark.md.
import { useState } from 'react';
import { Alert, Avatar, Badge, Box, Button, Code, FileButton, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconFileUnknown, IconPhotoSearch, IconUpload } from '@tabler/icons-react';
import { ApiError, post } from '../api/client';
import { actionLabel, dateTime, initials } from '../common/format';
import { Empty, ErrorState } from '../common/states';

/** The API's answer (src/server/routes/watermark.ts, IdentifyResponse); kept here, not in
 *  api/types.ts, as only this page reads it. */
interface ProvedRecord {
  readonly seq: number;
  readonly record: { time: string; action: string; agentId: string | null; customerId: string | null; ticketId: string | null; decision: string; fields: Record<string, string> };
  readonly proof: string | null;
}
interface Identification {
  readonly sessionCode: string;
  readonly slot: number;
  readonly agent: { id: string; name: string | null; email: string | null; role: string | null };
  readonly session: { startedAt: string; endsAt: string; start: ProvedRecord };
  readonly windows: ReadonlyArray<{ from: string; to: string }>;
  readonly records: readonly ProvedRecord[];
  readonly tickets: readonly string[];
  readonly customers: readonly string[];
}
interface IdentifyResult {
  readonly marks: ReadonlyArray<{ sessionCode: string; slot: number }>;
  readonly identifications: readonly Identification[];
}

/** Largest upload, as the API's limit: 8 MiB. */
const MAX_BYTES = 8 * 1024 * 1024;
const ACCEPT = 'image/png,image/jpeg';

/** `file`'s bytes as base64 (no data: prefix). */
async function base64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function Proof({ r }: { r: ProvedRecord }) {
  const [open, setOpen] = useState(false);
  if (r.proof === null) return <Badge color="gray" variant="light" data-testid="proof-pending">not yet in a signed checkpoint</Badge>;
  return (
    <Stack gap={4}>
      <Button size="compact-xs" variant="subtle" w="fit-content" onClick={() => setOpen((o) => !o)} data-testid="proof-toggle">{open ? 'Hide proof' : 'Inclusion proof'}</Button>
      {open && <Code block fz="xs" maw={460} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="proof">{r.proof}</Code>}
    </Stack>
  );
}

function IdentificationCard({ id }: { id: Identification }) {
  const name = id.agent.name ?? id.agent.id;
  return (
    <Paper withBorder p="md" data-testid="identification" data-session-code={id.sessionCode} data-agent-id={id.agent.id}>
      <Stack gap="sm">
        <Group gap="sm" wrap="nowrap">
          <Avatar radius="xl" color="initials" name={name}>{initials(name)}</Avatar>
          <Box>
            <Text fw={600} data-testid="identified-agent">{name} <Text span size="xs" c="dimmed" fw={400}>{id.agent.id}{id.agent.role ? ` · ${id.agent.role}` : ''}{id.agent.email ? ` · ${id.agent.email}` : ''}</Text></Text>
            <Text size="sm">Session <span className="kh-mono" data-testid="identified-session">{id.sessionCode}</span>, signed in {dateTime(id.session.startedAt)}, valid until {dateTime(id.session.endsAt)} <Text span size="xs" c="dimmed">(log entry #{id.session.start.seq})</Text></Text>
            {id.windows.map((w) => <Text key={w.from} size="sm" data-testid="identified-window">Shown between {dateTime(w.from)} and {dateTime(w.to)}</Text>)}
          </Box>
        </Group>
        <Box pl={50}><Proof r={id.session.start} /></Box>
        <Group pl={50} gap="xs">
          <Text size="sm">{id.tickets.length} ticket(s):</Text>
          {id.tickets.map((t) => <Badge key={t} variant="light" className="kh-mono" data-testid="identified-ticket">{t}</Badge>)}
          <Text size="sm" ml="md">{id.customers.length} customer(s):</Text>
          {id.customers.map((c) => <Badge key={c} variant="light" color="grape" className="kh-mono" data-testid="identified-customer">{c}</Badge>)}
        </Group>
        {id.records.length === 0 ? <Text size="sm" c="dimmed" pl={50}>The session made no record about a ticket or customer in that window.</Text> : (
          <Table fz="xs" withTableBorder data-testid="identified-records">
            <Table.Thead><Table.Tr><Table.Th>Entry</Table.Th><Table.Th>Time</Table.Th><Table.Th>Action</Table.Th><Table.Th>Ticket</Table.Th><Table.Th>Customer</Table.Th><Table.Th>Proof</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {id.records.map((r) => (
                <Table.Tr key={r.seq} data-testid="identified-record" data-seq={r.seq}>
                  <Table.Td>#{r.seq}</Table.Td>
                  <Table.Td>{dateTime(r.record.time)}</Table.Td>
                  <Table.Td>{actionLabel(r.record.action)} <Text span inherit c="dimmed">{r.record.decision}</Text>{Object.keys(r.record.fields).length > 0 ? <Text span inherit c="dimmed" title={Object.keys(r.record.fields).join(', ')}> · {Object.keys(r.record.fields).length} field(s)</Text> : null}</Table.Td>
                  <Table.Td className="kh-mono">{r.record.ticketId ?? '—'}</Table.Td>
                  <Table.Td className="kh-mono">{r.record.customerId ?? '—'}</Table.Td>
                  <Table.Td><Proof r={r} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}

function Result({ result }: { result: IdentifyResult }) {
  if (result.marks.length === 0) {
    return (
      <Paper withBorder data-testid="identify-none">
        <Empty icon={<IconFileUnknown size={22} />} title="No mark found">
          No Keyhole forensic mark could be read from this picture. It may not show a Keyhole page, or too little of one: try the original file, a larger crop, or a sharper frame.
        </Empty>
      </Paper>
    );
  }
  const unknown = result.marks.filter((m) => !result.identifications.some((i) => i.sessionCode === m.sessionCode && i.slot === m.slot));
  return (
    <Stack gap="sm" data-testid="identify-result">
      {unknown.map((m) => (
        <Alert key={`${m.sessionCode}/${m.slot}`} color="orange" variant="light" title={`Mark of session ${m.sessionCode}, but this log never issued that session`} data-testid="identify-unknown">
          The picture may come from another Keyhole installation, or be forged.
        </Alert>
      ))}
      {result.identifications.map((id) => <IdentificationCard key={`${id.sessionCode}/${id.session.start.seq}`} id={id} />)}
    </Stack>
  );
}

export default function LeakIdentifyPage() {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<IdentifyResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const identify = async (f: File | null) => {
    setFile(f);
    setResult(null);
    setError(null);
    if (!f) return;
    if (f.size > MAX_BYTES) { setError(new ApiError(0, 'IMAGE_TOO_LARGE', 'The picture is larger than 8 MiB.')); return; }
    setBusy(true);
    try {
      setResult(await post<IdentifyResult>('/v1/security/watermark/identify', { image: await base64(f) }));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="lg" maw={1100}>
      <Group justify="space-between">
        <Title order={3}>Identify a leaked picture</Title>
        <Text size="xs" c="dimmed">Every console page carries a faint machine-readable mark of its session and time.</Text>
      </Group>
      <Paper withBorder p="md">
        <Group gap="md">
          <FileButton onChange={(f) => void identify(f)} accept={ACCEPT}>
            {(props) => <Button {...props} leftSection={<IconUpload size={16} />} loading={busy} data-testid="identify-upload">Upload a PNG or JPEG</Button>}
          </FileButton>
          <Text size="sm" c="dimmed" data-testid="identify-file">{file ? `${file.name} · ${(file.size / 1024).toFixed(0)} KiB` : 'A screenshot, a phone photo of a screen, or a frame of a video; at most 8 MiB.'}</Text>
        </Group>
      </Paper>
      {error ? <ErrorState error={error} />
        : result ? <Result result={result} />
        : !busy && <Paper withBorder><Empty icon={<IconPhotoSearch size={22} />} title="No picture yet">Upload a picture to learn which agent's session showed it, when, and what it displayed, with proofs from the log.</Empty></Paper>}
    </Stack>
  );
}
