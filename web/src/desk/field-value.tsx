// A field value exactly as the server rendered it: text, numbers, or lists of records
// (transactions, holdings, bank accounts) laid out as compact key/value lines.
import { Group, Stack, Text } from '@mantine/core';
import type { Rendered } from '../api/types';

const KEY_LABEL: Readonly<Record<string, string>> = { usd: 'USD', iban: 'IBAN', at: 'at', uploadedOn: 'uploaded' };

function scalar(v: Rendered): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 8 });
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function Record_({ value }: { value: { readonly [k: string]: Rendered } }) {
  return (
    <Group gap="md" wrap="wrap">
      {Object.entries(value).map(([k, v]) => (
        <Text key={k} size="sm" component="span">
          <Text span c="dimmed" size="xs" mr={4}>{KEY_LABEL[k] ?? k}</Text>
          <span className="kh-mono">{scalar(v)}</span>
        </Text>
      ))}
    </Group>
  );
}

/** Renders `value`; an empty list says "none". */
export function FieldValue({ value }: { value: Rendered }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm" c="dimmed">None</Text>;
    return (
      <Stack gap={4}>
        {value.map((v, i) => (v !== null && typeof v === 'object' && !Array.isArray(v)
          ? <Record_ key={i} value={v as { readonly [k: string]: Rendered }} />
          : <Text key={i} className="kh-mono">{scalar(v as Rendered)}</Text>))}
      </Stack>
    );
  }
  if (value !== null && typeof value === 'object') return <Record_ value={value as { readonly [k: string]: Rendered }} />;
  return <Text className="kh-mono" component="span">{scalar(value)}</Text>;
}
