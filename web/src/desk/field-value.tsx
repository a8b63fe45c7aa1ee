// A field value exactly as the server rendered it: text, numbers, or lists of records. Known
// record shapes (transactions, holdings, allowlists, bank accounts, documents) get a compact
// line each; anything else falls back to key/value pairs. Presentation only: nothing here
// derives or guesses a value the server did not send.
import { Group, Stack, Text } from '@mantine/core';
import type { Rendered } from '../api/types';

type Rec = { readonly [k: string]: Rendered };
const KEY_LABEL: Readonly<Record<string, string>> = { usd: 'USD', iban: 'IBAN', at: 'at', uploadedOn: 'uploaded', bankName: 'bank' };

function scalar(v: Rendered | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 8 });
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) ? `${v.slice(0, 10)} ${v.slice(11, 16)} UTC` : v;
  return JSON.stringify(v);
}

const isRec = (v: Rendered): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const Mono = ({ children }: { children: string }) => <span className="kh-mono">{children}</span>;

/** One line for a record of a known field; undefined when the shape is not the expected one. */
function knownLine(field: string, r: Rec) {
  if (field === 'transactions') {
    return (
      <Stack gap={0}>
        <Text size="sm"><Mono>{scalar(r.id)}</Mono> · {scalar(r.type)} · <Mono>{`${scalar(r.amount)} ${scalar(r.asset)}`}</Mono>{r.usd !== undefined ? ` ($${scalar(r.usd)})` : ''} · {scalar(r.status)}</Text>
        <Text size="xs" c="dimmed">{scalar(r.at)}{r.address !== undefined ? <> · to <Mono>{scalar(r.address)}</Mono></> : null}</Text>
      </Stack>
    );
  }
  if (field === 'holdings') return <Text size="sm"><Mono>{scalar(r.asset)}</Mono> {r.band !== undefined ? scalar(r.band) : r.amount !== undefined ? `${scalar(r.amount)} ($${scalar(r.usd)})` : ''}</Text>;
  if (field === 'withdrawalAllowlist') return <Text size="sm"><Mono>{scalar(r.asset)}</Mono> <Mono>{scalar(r.address)}</Mono>{r.label !== undefined ? <Text span c="dimmed" size="xs"> {scalar(r.label)}</Text> : null}</Text>;
  if (field === 'bankAccounts') return <Text size="sm"><Mono>{scalar(r.iban)}</Mono> <Text span c="dimmed" size="xs">{scalar(r.bankName)}</Text></Text>;
  if (field === 'address') return <Text size="sm">{[r.line1, r.city, r.postalCode, r.country].filter((x) => x !== undefined).map(scalar).join(', ')}</Text>;
  return undefined;
}

function RecordLine({ field, value }: { field: string; value: Rec }) {
  return knownLine(field, value) ?? (
    <Group gap="md" wrap="wrap">
      {Object.entries(value).map(([k, v]) => (
        <Text key={k} size="sm" component="span"><Text span c="dimmed" size="xs" mr={4}>{KEY_LABEL[k] ?? k}</Text><Mono>{scalar(v)}</Mono></Text>
      ))}
    </Group>
  );
}

/** Renders `value` of `field`; an empty list says "none". */
export function FieldValue({ field, value }: { field: string; value: Rendered }) {
  if (Array.isArray(value)) {
    const list = value as readonly Rendered[];
    if (list.length === 0) return <Text size="sm" c="dimmed">None</Text>;
    return (
      <Stack gap={6}>
        {list.map((v, i) => (isRec(v) ? <RecordLine key={i} field={field} value={v} /> : <Text key={i} size="sm"><Mono>{scalar(v)}</Mono></Text>))}
      </Stack>
    );
  }
  if (isRec(value)) return <RecordLine field={field} value={value} />;
  return <Text size="sm" component="span"><Mono>{scalar(value)}</Mono></Text>;
}
