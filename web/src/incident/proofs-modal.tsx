// The log entries that exposed one customer, each with its C2SP tlog-proof of inclusion in the
// latest signed checkpoint — to hand to an auditor, or to check offline with
// `keyhole verify --proof FILE --vkey KEY`. Entries hold ids and levels, never a value.
import { useEffect, useRef } from 'react';
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

/** Scrolls the focused entry into view once the proofs are shown. */
function useFocusEntry(focusSeq: number | null, ready: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (ready && focusSeq !== null) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [focusSeq, ready]);
  return ref;
}

/** The proofs of one customer, in a modal sized to the window: the list scrolls inside it and a
 *  proof's long lines wrap, so nothing runs off the screen however many entries there are. */
export function ProofsModal({ incidentId, customerId, focusSeq, onClose }: { incidentId: string; customerId: string | null; focusSeq: number | null; onClose: () => void }) {
  const proofs = useLoad(() => (customerId ? incidentApi.proofs(incidentId, customerId) : Promise.resolve(undefined)), [incidentId, customerId]);
  const p = proofs.data;
  const focused = useFocusEntry(focusSeq, p !== undefined);
  return (
    <Modal opened={customerId !== null} onClose={onClose} size="min(64rem, calc(100vw - 2rem))" title={`Inclusion proofs · ${customerId ?? ''}`}
      scrollAreaComponent={ScrollArea.Autosize} data-testid="proofs-modal">
      {proofs.error ? <ErrorState error={proofs.error} onRetry={() => void proofs.reload()} />
        : !p ? <Loading />
        : (
          <Stack gap="sm" data-testid="proofs">
            <Text size="sm">
              {p.entries.length} log entr{p.entries.length === 1 ? 'y' : 'ies'} exposed this customer; each proof shows its entry is in the signed tree of {p.size} entries.
              Check one offline with <Code>keyhole verify --proof FILE --vkey KEY</Code> (the log key is on the Evidence tab).
            </Text>
            {p.entries.map((e) => (
              <Stack key={e.seq} gap={4} data-proof-seq={e.seq} p="xs" ref={e.seq === focusSeq ? focused : undefined}
                style={e.seq === focusSeq ? { outline: '2px solid var(--mantine-color-brand-5)', borderRadius: 6 } : undefined}>
                <Group justify="space-between" wrap="nowrap">
                  <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}><Badge variant="outline" className="kh-mono">#{e.seq}</Badge><Text size="sm" truncate>{summary(e.entry)}</Text></Group>
                  <Button size="compact-xs" variant="light" leftSection={<IconDownload size={12} />}
                    onClick={() => saveText(e.proof, `${customerId}-entry-${e.seq}.tlog-proof`, 'text/plain')}>Proof file</Button>
                </Group>
                <Code block fz={11} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: '12rem', overflowY: 'auto' }}>{e.proof}</Code>
              </Stack>
            ))}
          </Stack>
        )}
    </Modal>
  );
}
