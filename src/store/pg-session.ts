// The pool Kysely talks to on PostgreSQL: the node-pg pool with three round-trip savings on
// every connection it hands out (issue 13 item 1).
// (1) A registered hot statement (src/store/prepared.ts) runs as a named prepared statement:
//     parsed and planned once per connection, then only bound and executed.
// (2) A transaction's BEGIN is not sent alone: it goes in the same network write as the
//     transaction's first statement, as one extended-protocol pipeline with a single Sync
//     (Parse/Bind/Execute of BEGIN, then the statement). After an error the server skips
//     everything up to the Sync (PostgreSQL protocol, "Extended Query"), so the statement runs
//     only if BEGIN succeeded, inside the transaction. BEGIN then directly COMMIT or ROLLBACK
//     sends nothing.
// (3) A `committing` statement takes the transaction's COMMIT along the same way: it resolves
//     once both succeeded (the transaction is committed), and rejects if either failed (then the
//     server ran no COMMIT after a failed statement, or the COMMIT itself failed: nothing of the
//     transaction is kept). The transaction's own COMMIT is then not sent; any other statement
//     before it is refused, since it would run outside the transaction.
// Other users of the raw pool (advisory locks, LISTEN, group commit) are untouched.
import pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { commitsAfter, preparedName } from './prepared.js';

/** The parts of node-pg's connection (lib/connection.js) the pipelines write to. */
interface PgConnection {
  parse(q: { text: string; name?: string }): void;
  bind(c: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(c: { portal?: string; rows?: number }): void;
  sync(): void;
  readonly parsedStatements: Record<string, string>;
}

/** node-pg's Query (lib/query.js) as far as it is extended here. */
interface QueryInternals {
  readonly portal: string;
  prepare(connection: PgConnection): void;
  handleCommandComplete(msg: unknown, connection: PgConnection): void;
}

type QueryCallback = (err: Error | null, res: pg.QueryResult) => void;
interface QueryConfig { text: string; values: unknown[]; name?: string; queryMode: 'extended'; callback: QueryCallback }
const QueryBase = pg.Query as unknown as new (config: QueryConfig) => pg.Submittable & QueryInternals;

/** A statement with, in the same write and before the same Sync, a transaction's BEGIN before
 *  it and/or COMMIT after it. Its result is the statement's alone: the CommandComplete of BEGIN
 *  and COMMIT are consumed here. */
class PipelinedQuery extends QueryBase {
  readonly #begin: string | undefined;
  readonly #commit: boolean;
  #completes = 0;
  constructor(begin: string | undefined, commit: boolean, config: QueryConfig) {
    super(config);
    this.#begin = begin;
    this.#commit = commit;
  }
  /** Called by Query.submit with the socket corked: BEGIN through the unnamed statement and
   *  portal (no Sync), then the statement's own Parse/Bind/Describe/Execute (and, below, the
   *  COMMIT and the one Sync). */
  override prepare(connection: PgConnection): void {
    if (this.#begin !== undefined) unnamed(connection, this.#begin);
    super.prepare(connection);
  }
  /** Query.prepare's last step (no row limit is used here): Execute, then COMMIT, then Sync. */
  _getRows(connection: PgConnection, rows: number | undefined): void {
    connection.execute({ portal: this.portal, ...(rows ? { rows } : {}) });
    if (this.#commit) unnamed(connection, 'commit');
    connection.sync();
  }
  override handleCommandComplete(msg: unknown, connection: PgConnection): void {
    const i = this.#completes++;
    if (i === (this.#begin !== undefined ? 1 : 0)) super.handleCommandComplete(msg, connection);
  }
}

/** Parse/Bind/Execute of a parameterless statement through the unnamed statement and portal. */
function unnamed(connection: PgConnection, text: string): void {
  connection.parse({ text });
  connection.bind({});
  connection.execute({});
}

const isBegin = (sql: string) => sql === 'begin' || sql.startsWith('start transaction');
const isEnd = (sql: string) => sql === 'commit' || sql === 'rollback';
const noRows = (command: string) => ({ command, rowCount: 0, rows: [] }) as unknown as PostgresQueryResult<never>;

/** One pooled connection as Kysely sees it. `#tx`: none, a BEGIN held back, open, or ended by
 *  a committing statement (its COMMIT or ROLLBACK is not sent). */
class SessionClient implements PostgresPoolClient {
  readonly #raw: pg.PoolClient;
  #tx: 'none' | 'held' | 'open' | 'committed' = 'none';
  #begin = 'begin';
  constructor(raw: pg.PoolClient) {
    this.#raw = raw;
  }
  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string' || parameters === undefined) {
      // A custom query object: a cursor (none is configured in this project) cannot carry a
      // held-back BEGIN; a thenable one (COPY, src/store/copy-in.ts) runs after that BEGIN is
      // sent on its own, and only if it succeeded.
      if (this.#tx === 'committed') throw new Error('a cursor cannot run here');
      if (this.#tx === 'held') {
        if (typeof (sql as { then?: unknown }).then !== 'function') throw new Error('a cursor cannot run here');
        const begin = this.#begin;
        this.#tx = 'open';
        return this.#raw.query(begin).then(() => this.#raw.query(sql as never)) as never;
      }
      return this.#raw.query(sql as never) as never;
    }
    const control = parameters.length === 0;
    const state = this.#tx;
    if (state === 'committed') {
      // The transaction already committed with its last statement: its end sends nothing; any
      // other statement would run outside it.
      if (!(control && isEnd(sql))) return Promise.reject(new Error('statement after the transaction committed'));
      this.#tx = 'none';
      return Promise.resolve(noRows(sql.toUpperCase()));
    }
    if (control && isBegin(sql) && state === 'none') {
      this.#tx = 'held';
      this.#begin = sql;
      return Promise.resolve(noRows('BEGIN'));
    }
    if (control && isEnd(sql)) {
      this.#tx = 'none';
      if (state === 'held') return Promise.resolve(noRows(sql.toUpperCase()));
      return this.#raw.query(sql, []) as never;
    }
    const begin = state === 'held' ? this.#begin : undefined;
    const commit = state !== 'none' && commitsAfter(sql);
    if (state === 'held') this.#tx = 'open';
    const name = preparedName(sql);
    if (begin === undefined && !commit) {
      return (name === undefined ? this.#raw.query(sql, [...parameters]) : this.#raw.query({ name, text: sql, values: [...parameters] })) as never;
    }
    return this.#pipelined<R>(begin, commit, sql, parameters, name);
  }
  async #pipelined<R>(begin: string | undefined, commit: boolean, sql: string, parameters: ReadonlyArray<unknown>, name: string | undefined): Promise<PostgresQueryResult<R>> {
    const connection = (this.#raw as unknown as { connection: PgConnection }).connection;
    if (begin !== undefined && name !== undefined && connection.parsedStatements[name] === undefined) {
      // A named statement's first Parse on this connection goes after a BEGIN of its own: node-pg
      // marks a name parsed on the first ParseComplete of its query, which here would be BEGIN's.
      await this.#raw.query(begin);
      begin = undefined;
    }
    const result = await new Promise<PostgresQueryResult<R>>((resolve, reject) => {
      const q = new PipelinedQuery(begin, commit, {
        text: sql, values: [...parameters], queryMode: 'extended', ...(name !== undefined ? { name } : {}),
        callback: (err, res) => (err ? reject(err) : resolve(res as never)),
      });
      this.#raw.query(q as never);
    });
    if (commit) this.#tx = 'committed';
    return result;
  }
  release(): void {
    this.#tx = 'none';
    this.#raw.release();
  }
}

/** Wraps `pool` for Kysely's PostgresDialect (see the file comment). `end()` ends `pool`. */
export function sessionPool(pool: pg.Pool): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, SessionClient>();
  return {
    async connect() {
      const raw = await pool.connect();
      let c = clients.get(raw);
      if (!c) {
        c = new SessionClient(raw);
        clients.set(raw, c);
      }
      return c;
    },
    end: () => pool.end(),
  };
}
