// Issue 13 item 4: no sequential scan on a hot path. Every statement the server sends to
// PostgreSQL for an authenticated view and a lookup (bearer token, detection guard and all) is
// recorded off the pool's connections and EXPLAINed with its own parameters under
// `enable_seqscan = off`: the planner then takes an index wherever one can serve the query, so
// a `Seq Scan` left in a plan means the query has no usable index (at 1M customers it would
// read the table). PostgreSQL only (PGlite is one in-process connection and the same planner).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createApiToken } from '../../src/identity/tokens.js';

const backend = DATABASES.find((d) => d.name === 'postgres');
const CONTROL = /^\s*(begin|commit|rollback|savepoint|release|set|show|select pg_advisory|select 1\b)/i;

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] }
const seqScans = (n: PlanNode): string[] => [
  ...(n['Node Type'] === 'Seq Scan' ? [n['Relation Name'] ?? '?'] : []),
  ...(n.Plans ?? []).flatMap(seqScans),
];

describe('hot-path queries use indexes on PostgreSQL', { skip: backend ? false : 'KEYHOLE_TEST_DATABASE_URL not set' }, () => {
  let h: Harness;
  const recorded: Array<{ text: string; values: unknown[] }> = [];
  let recording = false;
  before(async () => {
    h = await startHarness(backend!);
    const pool = h.rt.store.pool as pg.Pool;
    pool.on('acquire', (client) => {
      const c = client as pg.PoolClient & { __khRecorded?: boolean };
      if (c.__khRecorded) return;
      c.__khRecorded = true;
      const query = c.query.bind(c) as (...a: unknown[]) => unknown;
      (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...args: unknown[]) => {
        // (text, values), or a query config / query object (named and pipelined statements,
        // src/store/pg-session.ts) carrying `text` and `values`.
        const [first, second] = args as [unknown, unknown];
        const { text, values } = typeof first === 'string' ? { text: first, values: second } : (first as { text?: unknown; values?: unknown });
        if (recording && typeof text === 'string') recorded.push({ text, values: Array.isArray(values) ? values : [] });
        return query(...args);
      };
    });
  });
  after(async () => h?.close());

  it('the view and lookup statements have no Seq Scan', async () => {
    const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const token = await createApiToken(h.rt.db, h.rt.clock, t.assignee_id as string, 'explain');
    const customer = await h.rt.db.selectFrom('customers').select('account_id').where('id', '=', t.customer_id).executeTakeFirstOrThrow();
    const auth = { authorization: `Bearer ${token}` };
    recording = true;
    const view = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: auth });
    const lookup = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { ...auth, 'content-type': 'application/json' },
      payload: { accountId: customer.account_id, purpose: 'general_inquiry', channel: 'phone', subject: 'explain check' } });
    const byEmail = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { ...auth, 'content-type': 'application/json' },
      payload: { email: 'nobody@example.invalid', purpose: 'general_inquiry', channel: 'phone', subject: 'explain check' } });
    recording = false;
    assert.equal(view.statusCode, 200, view.body);
    assert.ok(lookup.statusCode < 300, lookup.body);
    assert.ok(byEmail.statusCode < 500, byEmail.body);
    const statements = recorded.filter((q) => !CONTROL.test(q.text));
    assert.ok(statements.length >= 6, `only ${statements.length} statements recorded`);
    const pool = h.rt.store.pool as pg.Pool;
    const c = await pool.connect();
    const offenders: string[] = [];
    try {
      await c.query('begin');
      await c.query('set local enable_seqscan = off');
      for (const q of statements) {
        await c.query('savepoint e');
        const r = await c.query(`explain (format json) ${q.text}`, q.values);
        await c.query('rollback to savepoint e');
        const plan = (r.rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan;
        const scans = seqScans(plan);
        if (scans.length > 0) offenders.push(`${scans.join(', ')} ← ${q.text.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
    } finally {
      await c.query('rollback');
      c.release();
    }
    if (process.env.EXPLAIN_DEBUG) console.log(statements.length, statements.map((s) => s.text.replace(/\s+/g, ' ').slice(0, 90)));
    assert.deepEqual(offenders, []);
  });
});
