// A Kysely dialect for PGlite: "PostgreSQL with another driver". PGlite has exactly one
// connection, so the driver hands it out to one user at a time (a FIFO mutex); transactions
// therefore never interleave. Modelled on kysely's own pglite dialect (kysely >= 0.29).
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult, type TransactionSettings,
} from 'kysely';
import { CopyIn } from './copy-in.js';

/** FIFO mutex over the single PGlite connection. */
class ConnectionMutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #db: PGlite;
  constructor(db: PGlite) {
    this.#db = db;
  }
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const copy = compiled.sql as unknown;
    if (copy instanceof CopyIn) return this.#copy(copy);
    if (compiled.parameters.length === 0 && compiled.query.kind === 'RawNode') {
      // A raw script (e.g. a migration) may hold several statements: simple protocol.
      const results = await this.#db.exec(compiled.sql, { rowMode: 'object' });
      return { rows: (results.at(-1)?.rows ?? []) as R[] };
    }
    const res = await this.#db.query<R>(compiled.sql, compiled.parameters as unknown[], { rowMode: 'object' });
    const kind = compiled.query.kind;
    const affected = res.affectedRows;
    return {
      rows: res.rows,
      ...(affected !== undefined && (kind === 'InsertQueryNode' || kind === 'UpdateQueryNode' || kind === 'DeleteQueryNode' || kind === 'MergeQueryNode')
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    };
  }
  /** A binary COPY (copy-in.ts) from PGlite's `/dev/blob`. */
  async #copy<R>(copy: CopyIn): Promise<QueryResult<R>> {
    try {
      const res = await this.#db.query(copy.blobText, [], { blob: new Blob([new Uint8Array(copy.data)]) });
      copy.handleCommandComplete({ text: `COPY ${res.affectedRows ?? 0}` });
      copy.handleReadyForQuery();
      return { rows: [] };
    } catch (e) {
      copy.handleError(e);
      throw e;
    }
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not support streaming; paginate by key');
  }
}

class PGliteDriver implements Driver {
  readonly #db: PGlite;
  readonly #mutex = new ConnectionMutex();
  #release: (() => void) | undefined;
  readonly #conn: PGliteConnection;
  constructor(db: PGlite) {
    this.#db = db;
    this.#conn = new PGliteConnection(db);
  }
  async init(): Promise<void> {
    await this.#db.waitReady;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    this.#release = release;
    return this.#conn;
  }
  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const iso = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`begin${iso}`));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(): Promise<void> {
    const r = this.#release;
    this.#release = undefined;
    r?.();
  }
  async destroy(): Promise<void> {
    if (!this.#db.closed) await this.#db.close();
  }
}

/** Kysely dialect over one PGlite instance. The caller owns creating the instance; `destroy()`
 *  closes it. */
export class PGliteDialect implements Dialect {
  readonly #db: PGlite;
  constructor(db: PGlite) {
    this.#db = db;
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
