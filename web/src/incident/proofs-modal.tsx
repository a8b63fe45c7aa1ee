// The log entries that exposed one customer, each with its C2SP tlog-proof of inclusion in the
// latest signed checkpoint — to hand to an auditor, or to check offline with
// `keyhole verify --proof FILE --vkey KEY`. Entries hold ids and levels, never a value.
import { Badge, Button, Code, Group, Modal, ScrollArea, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { ErrorState, Loading } from '../common/states';
import { useLoad } from '../common/use-load';
import { saveText } from './download';
import { incidentApi } from './incident-api';
import { incidentActionLabel } from './words';

function summary(entry: string): string {
  try {
    const r = JSON.parse(entry) as { action?: string; time?: string; decision?: string; fields?: Record<string, string> };
    return `${incidentActionLabel(r.action ?? '')} · ${r.decision ?? ''} · ${r.time ?? ''} · ${Object.keys(r.fields ?? {}).length} field(s)`;
  } catch {
    return 'unreadable entry';
  }
}

export function ProofsModal({ incidentId, customerId, focusSeq, onClose }: { incidentId: string; customerId: string | null; focusSeq: number | null; onClose: () => void }) {
  const proofs = useLoad(() => (customerId ? incidentApi.proofs(incidentId, customerId) : Promise.resolve(undefined)), [incidentId, customerId]);
  const p = proofs.data;
  return (
    <Modal opened={customerId !== null} onClose={onClose} size="xl" title={`Inclusion proofs · ${customerId ?? ''}`}>
      {proofs.error ? <ErrorState error={proofs.error} onRetry={() => void proofs.reload()} />
        : !p ? <Loading />
        : (
          <Stack gap="sm" data-testid="proofs">
            <Text size="sm">
              {p.entries.length} log entr{p.entries.length === 1 ? 'y' : 'ies'} exposed this customer; each proof shows its entry is in the signed tree of {p.size} entries.
              Check one offline with <Code>keyhole verify --proof FILE --vkey KEY</Code> (the log key is on the Evidence tab).
            </Text>
            <ScrollArea.Autosize mah="60vh">
              <Stack gap="sm">
                {p.entries.map((e) => (
                  <Stack key={e.seq} gap={4} data-proof-seq={e.seq} p="xs" style={e.seq === focusSeq ? { outline: '2px solid var(--mantine-color-brand-5)', borderRadius: 6 } : undefined}>
                    <Group justify="space-between">
                      <Group gap="xs"><Badge variant="outline" className="kh-mono">#{e.seq}</Badge><Text size="sm">{summary(e.entry)}</Text></Group>
                      <Button size="compact-xs" variant="light" leftSection={<IconDownload size={12} />}
                        onClick={() => saveText(e.proof, `${customerId}-entry-${e.seq}.tlog-proof`, 'text/plain')}>Proof file</Button>
                    </Group>
                    <Code block fz={11}>{e.proof}</Code>
                  </Stack>
                ))}
              </Stack>
            </ScrollArea.Autosize>
          </Stack>
        )}
    </Modal>
  );
}
