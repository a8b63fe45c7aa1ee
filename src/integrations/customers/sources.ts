// Streaming readers of an import file: NDJSON (one JSON object a line) and CSV (RFC 4180, a
// header row of catalog field names plus `externalId`). Each yields rows one at a time with
// their line number, so memory stays constant at any file size. NDJSON lines are yielded as text
// and parsed where they are checked (`sourceValue`, in the seal worker on large files); a row
// that does not parse becomes an error with its line, never with its content.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/** One row of a file: an object to check, an NDJSON line still to parse (`text`: parsed where
 *  it is checked, possibly in the seal worker, by `sourceValue`), or why it could not be read.
 *  `line` is 1-based (for CSV, the line where the record ends; the header is line 1). */
export type SourceRow =
  | { readonly line: number; readonly value: Record<string, unknown>; readonly error?: undefined; readonly text?: undefined }
  | { readonly line: number; readonly text: string; readonly value?: undefined; readonly error?: undefined }
  | { readonly line: number; readonly value?: undefined; readonly error: string; readonly text?: undefined };

/** The object of a row, or why there is none (an NDJSON line that is not a JSON object). */
export function sourceValue(row: SourceRow): { value: Record<string, unknown>; error?: undefined } | { value?: undefined; error: string } {
  if (row.error !== undefined) return { error: row.error };
  if (row.text === undefined) return { value: row.value };
  let value: unknown;
  try {
    value = JSON.parse(row.text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  return { value: value as Record<string, unknown> };
}

/** A file format. */
export type ImportFormat = 'ndjson' | 'csv';

/** The format of `file` by extension (`.csv` → csv, otherwise NDJSON). */
export function formatOf(file: string): ImportFormat {
  return /\.csv$/i.test(file) ? 'csv' : 'ndjson';
}

/** Counts bytes read from `file`, for progress and ETA. */
export interface ByteCounter {
  bytes: number;
}

/** The rows of `file` in `format`. */
export function readRows(file: string, format: ImportFormat, counter: ByteCounter): AsyncGenerator<SourceRow> {
  return format === 'csv' ? csvRows(file, counter) : ndjsonRows(file, counter);
}

async function* ndjsonRows(file: string, counter: ByteCounter): AsyncGenerator<SourceRow> {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => { counter.bytes += chunk.length; });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    yield { line, text };
  }
}

async function* csvRows(file: string, counter: ByteCounter): AsyncGenerator<SourceRow> {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => { counter.bytes += chunk.length; });
  const skipped: SourceRow[] = [];
  const parser = parse({ bom: true, info: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true });
  parser.on('skip', (err: Error & { lines?: number }) => { skipped.push({ line: err.lines ?? 0, error: 'malformed CSV record' }); });
  stream.pipe(parser);
  let header: string[] | undefined;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length > 0) yield skipped.shift() as SourceRow;
    const { record, info } = item;
    if (header === undefined) {
      header = record.map((h) => h.trim());
      continue;
    }
    if (record.length !== header.length) {
      yield { line: info.lines, error: `expected ${header.length} columns, found ${record.length}` };
      continue;
    }
    const value: Record<string, unknown> = {};
    header.forEach((h, i) => { value[h] = record[i]; });
    yield { line: info.lines, value };
  }
  while (skipped.length > 0) yield skipped.shift() as SourceRow;
}
