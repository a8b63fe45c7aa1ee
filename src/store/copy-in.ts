// Bulk loading with `COPY … FROM STDIN (FORMAT binary)` (PostgreSQL "COPY", "Binary Format"):
// rows are encoded here into one buffer and sent as they are, so the server neither parses
// array literals nor evaluates unnest(), and it inserts them with its multi-row heap insert
// (one WAL record per page instead of one per row). Triggers and constraints (foreign keys,
// unique indexes) apply exactly as for INSERT. On PostgreSQL the statement runs on the
// caller's connection (its transaction) as a node-postgres custom query (the mechanism
// pg-copy-streams uses); on PGlite from a blob (`/dev/blob`, pglite-dialect.ts).
import { CompiledQuery, type Kysely } from 'kysely';

/** A column's binary encoding: `text` (UTF-8), `int4` (32-bit signed) or `bytea` (raw). */
export type CopyColumnType = 'text' | 'int4' | 'bytea';

/** A value of a column: a string (`text`), an integer (`int4`) or bytes (`bytea`); no nulls. */
export type CopyValue = string | number | Uint8Array;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/** Encodes `rows` (each `types.length` values, in column order) in COPY's binary format:
 *  signature, flags and header extension (both 0), per row a 16-bit column count and per value
 *  a 32-bit length and its bytes, then the -1 trailer. Integers are big-endian.
 *  @throws RangeError on a value that does not match its column type. */
export function encodeCopyBinary(types: readonly CopyColumnType[], rows: ReadonlyArray<readonly CopyValue[]>): Buffer {
  let size = HEADER_BYTES + 2;
  for (const row of rows) {
    size += 2 + 4 * types.length;
    for (let c = 0; c < types.length; c++) {
      const v = row[c];
      const t = types[c];
      if (t === 'text' && typeof v === 'string') size += Buffer.byteLength(v, 'utf8');
      else if (t === 'int4' && typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) size += 4;
      else if (t === 'bytea' && v instanceof Uint8Array) size += v.length;
      else throw new RangeError(`COPY column ${c} is not a ${t}`);
    }
  }
  const out = Buffer.allocUnsafe(size);
  SIGNATURE.copy(out, 0);
  out.writeInt32BE(0, SIGNATURE.length);
  out.writeInt32BE(0, SIGNATURE.length + 4);
  let at = HEADER_BYTES;
  for (const row of rows) {
    at = out.writeInt16BE(types.length, at);
    for (let c = 0; c < types.length; c++) {
      const v = row[c] as CopyValue;
      if (typeof v === 'string') {
        const n = out.write(v, at + 4, 'utf8');
        out.writeInt32BE(n, at);
        at += 4 + n;
      } else if (typeof v === 'number') {
        at = out.writeInt32BE(4, at);
        at = out.writeInt32BE(v, at);
      } else {
        at = out.writeInt32BE(v.length, at);
        out.set(v, at);
        at += v.length;
      }
    }
  }
  out.writeInt16BE(-1, at);
  return out;
}

/** The parts of node-postgres' Connection a custom query uses. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** One `COPY table (columns) FROM STDIN (FORMAT binary)` with its data. It is a node-postgres
 *  custom query (`submit` and the `handle…` callbacks pg's Client calls) and a thenable that
 *  settles with the statement: `{ command: 'COPY', rowCount, rows: [] }` or the server's error. */
export class CopyIn {
  /** The statement, for PostgreSQL (from the client's connection). */
  readonly text: string;
  /** The same statement reading from PGlite's `/dev/blob`. */
  readonly blobText: string;
  /** The rows in COPY's binary format. */
  readonly data: Buffer;
  readonly #done: Promise<{ command: string; rowCount: number; rows: never[] }>;
  #resolve!: (r: { command: string; rowCount: number; rows: never[] }) => void;
  #reject!: (e: unknown) => void;
  #rowCount = 0;
  #failed = false;

  /** `table` and `columns` MUST be constants of the caller (they are not quoted). */
  constructor(table: string, columns: readonly string[], data: Buffer) {
    this.text = `copy ${table} (${columns.join(', ')}) from stdin with (format binary)`;
    this.blobText = `copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format binary)`;
    this.data = data;
    this.#done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#done.catch(() => undefined);
  }

  then<A, B = never>(onFulfilled?: ((r: { command: string; rowCount: number; rows: never[] }) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.#done.then(onFulfilled, onRejected);
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)$/.exec(msg.text ?? '');
    this.#rowCount = m ? Number(m[1]) : 0;
  }

  handleReadyForQuery(): void {
    if (!this.#failed) this.#resolve({ command: 'COPY', rowCount: this.#rowCount, rows: [] });
  }

  handleError(err: unknown): void {
    this.#failed = true;
    this.#reject(err);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

/** Copies `rows` into `table` (`columns` with their `types`) in `db`, on its connection (inside
 *  the caller's transaction when `db` is one). Returns the number of rows copied.
 *  @throws the database's error (e.g. a unique or foreign-key violation); nothing is copied. */
export async function copyRows(db: Kysely<any>, table: string, columns: readonly string[], types: readonly CopyColumnType[], rows: ReadonlyArray<readonly CopyValue[]>): Promise<number> {
  if (rows.length === 0) return 0;
  const copy = new CopyIn(table, columns, encodeCopyBinary(types, rows));
  // Kysely hands CompiledQuery.sql to the driver untouched: pg's Client runs an object with
  // submit() as a custom query; the PGlite connection recognizes CopyIn (pglite-dialect.ts).
  const compiled = { ...CompiledQuery.raw(copy.text, []), sql: copy as unknown as string };
  await db.executeQuery(compiled);
  return (await copy).rowCount;
}
