// The pool Kysely talks to on PostgreSQL: the node-pg pool with two round-trip savings on every
// connection it hands out (issue 13 item 1). (1) A registered hot statement (src/store/prepared.ts)
// runs as a named prepared statement: parsed and planned once per connection. (2) A
// transaction's BEGIN is not sent alone: it goes in the same network write as the
// transaction's first statement, as one extended-protocol pipeline with a single Sync (Parse/
// Bind/Execute of BEGIN, then the statement), so the server runs the statement only if BEGIN
// succeeded and inside the transaction (PostgreSQL protocol §55.2.3: after an error everything
// up to the Sync is skipped). A BEGIN followed directly by COMMIT or ROLLBACK sends nothing.
// Other users of the raw pool (advisory locks, LISTEN, group commit) are untouched.
import pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { preparedName } from './prepared.js';

/** The parts of node-pg's connection (lib/connection.js) the pipelined BEGIN writes to. */
interface PgConnection {
  parse(q: { text: string; name?: string }): void;
  bind(c: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(c: { portal?: string }): void;
  readonly parsedStatements: Record<string, string>;
}

/** node-pg's Query (lib/query.js) as far as it is extended here. */
interface QueryInternals {
  prepare(connection: PgConnection): void;
  handleCommandComplete(msg: unknown, connection: PgConnection): void;
}

type QueryCallback = (err: Error | null, res: pg.QueryResult) => void;
interface QueryConfig { text: string; values: unknown[]; name?: string; queryMode: 'extended'; callback: QueryCallback }
const QueryBase = pg.Query as unknown as new (config: QueryConfig) => pg.Submittable & QueryInternals;

/** A statement preceded, in the same write and before the same Sync, by a transaction's BEGIN.
 *  Its result is the statement's alone (BEGIN's CommandComplete is consumed here). */
class BeginThenQuery extends QueryBase {
  readonly #begin: string;
  #begun = false;
  constructor(begin: string, config: QueryConfig) {
    super(config);
    this.#begin = begin;
  }
  /** Called by Query.submit with the socket corked: BEGIN through the unnamed statement and
   *  portal, no Sync, then the statement's own Parse/Bind/Describe/Execute/Sync. */
  override prepare(connection: PgConnection): void {
    connection.parse({ text: this.#begin });
    connection.bind({});
    connection.execute({});
    super.prepare(connection);
  }
  override handleCommandComplete(msg: unknown, connection: PgConnection): void {
    if (!this.#begun) {
      this.#begun = true;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }
}

const isBegin = (sql: string) => sql === 'begin' || sql.startsWith('start transaction');
const isEnd = (sql: string) => sql === 'commit' || sql === 'rollback';
const noRows = (command: string) => ({ command, rowCount: 0, rows: [] }) as unknown as PostgresQueryResult<never>;

/** One pooled connection as Kysely sees it: holds back a BEGIN until the next statement. */
class SessionClient implements PostgresPoolClient {
  readonly #raw: pg.PoolClient;
  #pendingBegin: string | undefined;
  constructor(raw: pg.PoolClient) {
    this.#raw = raw;
  }
  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string' || parameters === undefined) {
      // A cursor (none is configured in this project): it cannot carry a held-back BEGIN.
      if (this.#pendingBegin !== undefined) throw new Error('a cursor cannot open a transaction');
      return this.#raw.query(sql as never) as never;
    }
    const begin = this.#pendingBegin;
    if (parameters.length === 0 && isBegin(sql) && begin === undefined) {
      this.#pendingBegin = sql;
      return Promise.resolve(noRows('BEGIN'));
    }
    this.#pendingBegin = undefined;
    if (begin !== undefined && parameters.length === 0 && isEnd(sql)) return Promise.resolve(noRows(sql.toUpperCase()));
    const name = preparedName(sql);
    if (begin === undefined) return (name === undefined ? this.#raw.query(sql, [...parameters]) : this.#raw.query({ name, text: sql, values: [...parameters] })) as never;
    return this.#beginThen(begin, sql, parameters, name);
  }
  async #beginThen<R>(begin: string, sql: string, parameters: ReadonlyArray<unknown>, name: string | undefined): Promise<PostgresQueryResult<R>> {
    const connection = (this.#raw as unknown as { connection: PgConnection }).connection;
    if (name !== undefined && connection.parsedStatements[name] === undefined) {
      // A named statement's first Parse on this connection goes alone after BEGIN: node-pg marks a
      // name parsed on the first ParseComplete of its query, which here would be BEGIN's.
      await this.#raw.query(begin);
      return this.#raw.query({ name, text: sql, values: [...parameters] }) as never;
    }
    return new Promise((resolve, reject) => {
      const q = new BeginThenQuery(begin, {
        text: sql, values: [...parameters], queryMode: 'extended', ...(name !== undefined ? { name } : {}),
        callback: (err, res) => (err ? reject(err) : resolve(res as never)),
      });
      this.#raw.query(q as never);
    });
  }
  release(): void {
    this.#pendingBegin = undefined;
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
