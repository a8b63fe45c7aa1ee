// Evidence for authorities and auditors: the signed bundle (keyhole-evidence/v1, saved byte for
// byte, checkable offline with `keyhole verify --bundle`), the keys to pin when checking it, and
// the draft GDPR Art. 33/34 report. Every bundle and report fetched is recorded as an export,
// so the report is drafted on request, not on opening the tab.
import { useState } from 'react';
import { Alert, Button, Code, CopyButton, Group, Paper, Stack, Text } from '@mantine/core';
import { IconDownload, IconFileText } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { ErrorState } from '../common/states';
import { useLoad } from '../common/use-load';
import { download, fetchText, saveText } from './download';
import { incidentApi } from './incident-api';
import { Markdown } from './markdown';

const asError = (e: unknown) => (e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));

function Bundle({ incidentId, onExported }: { incidentId: string; onExported: () => void }) {
  const keys = useLoad(() => incidentApi.keys(), []);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<{ bytes: number; entries: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const file = `${incidentId}-evidence.json`;
  const get = async () => {
    setBusy(true);
    setError(null);
    try {
      const text = await download(incidentApi.evidenceUrl(incidentId), file);
      let entries = 0;
      try {
        entries = (JSON.parse(text) as { bundle?: { entries?: unknown[] } }).bundle?.entries?.length ?? 0;
      } catch {
        entries = 0;
      }
      setSaved({ bytes: new TextEncoder().encode(text).length, entries });
      onExported();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const cmd = keys.data ? `keyhole verify --bundle ${file} --vkey '${keys.data.log}' --evidence-key '${keys.data.evidence}'` : '';
  return (
    <Paper withBorder p="md" data-testid="evidence-bundle">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Signed evidence bundle</Text>
        <Button leftSection={<IconDownload size={16} />} onClick={() => void get()} loading={busy} data-testid="download-bundle">Download bundle</Button>
      </Group>
      <Text size="sm" c="dimmed">
        Every log entry of the agents in the window and of this response, each with its inclusion proof; the checkpoints at opening and now with the consistency proof between them;
        the blast radius and who did what — signed with the evidence key. Anyone can check it offline, without trusting this server.
      </Text>
      {saved && <Alert mt="sm" color="teal" variant="light" data-testid="bundle-saved">Saved {file}: {saved.entries} log entries, {(saved.bytes / 1024).toFixed(1)} KB. Do not reformat it: verification is byte for byte.</Alert>}
      {error && <Stack mt="sm"><ErrorState error={error} /></Stack>}
      <Text size="sm" fw={500} mt="md">Check it</Text>
      {keys.error ? <ErrorState error={keys.error} onRetry={() => void keys.reload()} /> : keys.data && (
        <Stack gap={6} mt={4}>
          <Code block fz={11} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="verify-command">{cmd}</Code>
          <Group gap="xs">
            <CopyButton value={cmd}>{({ copied, copy }) => <Button size="compact-xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy command'}</Button>}</CopyButton>
            <Text size="xs" c="dimmed">Compare both keys with the ones the exchange publishes (GET /v1/incident-keys, GET /v1/log/vkey).</Text>
          </Group>
        </Stack>
      )}
    </Paper>
  );
}

function Report({ incidentId, onExported }: { incidentId: string; onExported: () => void }) {
  const [md, setMd] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const draft = async () => {
    setBusy(true);
    setError(null);
    try {
      setMd((await fetchText(incidentApi.reportUrl(incidentId))).text);
      onExported();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md" data-testid="regulator-report">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Draft report to the supervisory authority (GDPR Art. 33/34)</Text>
        <Group gap="xs">
          {md && <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} onClick={() => saveText(md, `${incidentId}-report.md`, 'text/markdown')}>Markdown</Button>}
          <Button size="xs" leftSection={<IconFileText size={14} />} onClick={() => void draft()} loading={busy} data-testid="draft-report">{md ? 'Draft again' : 'Draft the report'}</Button>
        </Group>
      </Group>
      {error && <ErrorState error={error} onRetry={() => void draft()} />}
      {md ? <Paper withBorder p="lg" mt="sm"><Markdown md={md} /></Paper>
        : <Text size="sm" c="dimmed">The 72-hour deadline, the nature and numbers of data subjects and records, likely consequences and the measures taken — from the signed log, for the data protection officer to complete.</Text>}
    </Paper>
  );
}

export function EvidencePanel({ incidentId, onExported }: { incidentId: string; onExported: () => void }) {
  return (
    <Stack gap="lg" data-testid="evidence">
      <Bundle incidentId={incidentId} onExported={onExported} />
      <Report incidentId={incidentId} onExported={onExported} />
    </Stack>
  );
}
