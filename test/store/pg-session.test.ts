// Issue 13 item 1: the PostgreSQL session Kysely talks through (src/store/pg-session.ts). Hot
// statements are named prepared statements, parsed once per connection and then reused; a
// transaction's BEGIN travels with its first statement (one round trip fewer) and still opens
// the transaction before it — an error or a rollback undoes the statement, and a failing
// statement leaves the connection usable; a `committing` last statement takes the COMMIT along
// and resolves only once its transaction is visible to another connection. Round trips are counted as ReadyForQuery messages on
// the one connection of a private pool. PostgreSQL only: PGlite has no wire.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createApiToken } from '../../src/identity/tokens.js';
import { sessionPool } from '../../src/store/pg-session.js';
import { committing, prepared, preparedName } from '../../src/store/prepared.js';
import { createPostgresDatabase, DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const backend = DATABASES.find((d) => d.name === 'postgres');
const skip = backend ? false : 'KEYHOLE_TEST_DATABASE_URL not set';

const HOT = prepared('select v from pg_session_t where k = $1');

describe('pg session: pipelined BEGIN and named statements', { skip }, () => {
  let drop: () => Promise<void>;
  let url: string;
  let pool: pg.Pool;
  let db: Kysely<any>;
  let roundTrips = 0;
  before(async () => {
    const d = await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string);
    drop = d.drop;
    url = d.url;
    pool = new pg.Pool({ connectionString: d.url, max: 1, idleTimeoutMillis: 0 });
    const c = await pool.connect();
    (c as unknown as { connection: { on(e: string, f: () => void): void } }).connection.on('readyForQuery', () => roundTrips++);
    await c.query('create table pg_session_t (k text primary key, v int not null)');
    c.release();
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: sessionPool(pool) }) });
  });
  after(async () => {
    await db?.destroy();
    await drop?.();
  });
  const trips = async (fn: () => Promise<unknown>) => {
    const before = roundTrips;
    await fn();
    return roundTrips - before;
  };

  it('a transaction of one statement is two round trips, and the statement is inside it', async () => {
    const n = await trips(() => db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into pg_session_t values ($1, $2)', ['a', 1]))));
    assert.equal(n, 2); // begin + insert, commit (three without the pipelined BEGIN)
    await assert.rejects(db.transaction().execute(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('insert into pg_session_t values ($1, $2)', ['b', 2]));
      throw new Error('undo');
    }), /undo/);
    const rows = await db.executeQuery<{ k: string }>(CompiledQuery.raw('select k from pg_session_t order by k', []));
    assert.deepEqual(rows.rows.map((r) => r.k), ['a']); // the rollback undid 'b': it ran inside the transaction
  });

  it('a failing first statement rejects, rolls back, and leaves the connection usable', async () => {
    await assert.rejects(db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('insert into pg_session_t values ($1, $2)', ['a', 3]))),
      (e: { code?: string }) => e.code === '23505');
    const r = await db.transaction().execute((trx) => trx.executeQuery<{ v: number }>(CompiledQuery.raw(HOT, ['a'])));
    assert.deepEqual(r.rows, [{ v: 1 }]);
    const open = await sql<{ n: number }>`select count(*)::int as n from pg_session_t`.execute(db);
    assert.deepEqual(open.rows, [{ n: 1 }]);
  });

  it('an empty transaction sends nothing', async () => {
    assert.equal(await trips(() => db.transaction().execute(async () => undefined)), 0);
  });

  it('a committing last statement carries the COMMIT: resolved means committed, failed means nothing kept', async () => {
    const INSERT = committing('insert into pg_session_t values ($1, $2)');
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const seen: number[] = [];
      await db.transaction().execute(async (trx) => {
        await trx.executeQuery(CompiledQuery.raw(INSERT, ['c', 4]));
        // Still inside the callback: the transaction's own COMMIT has not been asked for yet.
        seen.push((await other.query('select count(*)::int as n from pg_session_t where k = $1', ['c'])).rows[0].n);
      });
      assert.deepEqual(seen, [1]);
      // Once parsed on the connection: BEGIN, insert and COMMIT in one round trip.
      assert.equal(await trips(() => db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw(INSERT, ['g', 9])))), 1);
      await assert.rejects(db.transaction().execute(async (trx) => {
        await trx.executeQuery(CompiledQuery.raw('insert into pg_session_t values ($1, $2)', ['d', 5]));
        await trx.executeQuery(CompiledQuery.raw(INSERT, ['c', 6])); // duplicate key: no COMMIT runs
      }), (e: { code?: string }) => e.code === '23505');
      assert.equal((await other.query('select count(*)::int as n from pg_session_t where k = $1', ['d'])).rows[0].n, 0);
      await assert.rejects(db.transaction().execute(async (trx) => {
        await trx.executeQuery(CompiledQuery.raw(INSERT, ['e', 7]));
        await trx.executeQuery(CompiledQuery.raw('insert into pg_session_t values ($1, $2)', ['f', 8]));
      }), /after the transaction committed/);
      const keys = (await other.query('select k from pg_session_t order by k')).rows.map((r: { k: string }) => r.k);
      assert.deepEqual(keys, ['a', 'c', 'e', 'g']); // 'f' never ran outside the transaction
    } finally {
      await other.end();
    }
  });

  it('a registered statement is named, parsed once per connection and reused', async () => {
    const name = preparedName(HOT);
    assert.match(name ?? '', /^kh_[0-9a-f]{24}$/);
    for (let i = 0; i < 5; i++) await db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw(HOT, ['a'])));
    await db.executeQuery(CompiledQuery.raw(HOT, ['a']));
    const r = await db.executeQuery<{ name: string; runs: number }>(CompiledQuery.raw(
      'select name, (generic_plans + custom_plans)::int as runs from pg_prepared_statements where statement = $1', [HOT]));
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]!.name, name);
    assert.ok(r.rows[0]!.runs >= 7, `ran ${r.rows[0]!.runs} times`);
  });
});

describe('the view path runs named statements on PostgreSQL', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backend!, undefined, { poolSize: 1 });
  });
  after(async () => h?.close());

  it('the token lookup, the view read and the audit write are prepared once and reused', async () => {
    const t = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id']).where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const token = await createApiToken(h.rt.db, h.rt.clock, t.assignee_id as string, 'prepared');
    const views = 3;
    for (let i = 0; i < views; i++) {
      const r = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.statusCode, 200, r.body);
    }
    // One connection (poolSize 1): its prepared statements are every connection's.
    const r = await h.rt.db.executeQuery<{ name: string; statement: string; runs: number }>(CompiledQuery.raw(
      `select name, statement, (generic_plans + custom_plans)::int as runs from pg_prepared_statements where name like 'kh\\_%'`, []));
    const runsOf = (re: RegExp) => r.rows.filter((s) => re.test(s.statement)).map((s) => s.runs);
    const hot = { token: /from api_tokens t join agents a/, read: /^with g as \(\s*update grants/, write: /^with w as \(update detect_budget_counters[\s\S]*insert into audit_pending[\s\S]*then commit/ };
    for (const [what, re] of Object.entries(hot)) {
      const runs = runsOf(re);
      assert.equal(runs.length, 1, `${what}: one named statement (${runs.length})`);
      assert.ok(runs[0]! >= views, `${what}: run ${runs[0]} times for ${views} views`);
    }
    for (const s of r.rows) assert.equal(s.name, preparedName(s.statement), 'the name is the registered one');
  });

  it('a warm view is three round trips: token, BEGIN + read, write + COMMIT', async () => {
    const t = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id']).where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const token = await createApiToken(h.rt.db, h.rt.clock, t.assignee_id as string, 'round trips');
    const raw = await (h.rt.store.pool as pg.Pool).connect(); // the pool's only connection
    let n = 0;
    (raw as unknown as { connection: { on(e: string, f: () => void): void } }).connection.on('readyForQuery', () => n++);
    raw.release();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = n;
      const r = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.statusCode, 200, r.body);
      await new Promise((res) => setTimeout(res, 60)); // the view's cluster event (one more) is written
      counts.push(n - before);
    }
    // 3, plus the after-commit cluster-event write; 5 + 1 without the pipelined BEGIN and COMMIT.
    assert.ok(Math.min(...counts) <= 4, `round trips per view: ${counts.join(', ')}`);
  });
});
