// Lookup's uniform answer (issue 10.7): an existing customer the policy denies and a customer who
// does not exist get the same status and body — before the budget is spent (404) and after
// (429); misses and denials count against the lookup budget and are on the log for the
// detectors; and a miss runs the same queries as a denied hit (no cheaper path to time).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { Broker } from '../../src/access/broker.js';
import type { BrokerDb } from '../../src/access/model.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from '../detect/harness.js';

const AGENT = 'agt_001'; // EMEA: GB, DE, FR, NL, ES
const budgets = (b: Partial<Record<'customersPerHour' | 'lookupsPerHour', number>>) =>
  ({ budgets: { roles: { agent: { customersPerHour: 40, customersPerShift: 160, revealsPerShift: 15, lookupsPerHour: 15, ...b } } } });

/** Records the shape of every query (values replaced), in order. */
class QueryShapes implements KyselyPlugin {
  readonly shapes: string[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.shapes.push(JSON.stringify(args.node, (k, v) => (k === 'value' || k === 'values' || k === 'parameters' ? '?' : v)));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

for (const backend of DATABASES) {
  describe(`lookup uniform answer on ${backend.name}`, () => {
    let h: DetectHarness;
    let cookie: string;
    let allowed: string[]; // e-mails of customers AGENT may reach
    let denied: string[]; // e-mails of existing customers outside AGENT's regions
    const missing = (i: number) => `nobody-${i}@example.invalid`;

    const lookup = (email: string) => h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { email } });
    const answer = async (email: string) => {
      const r = await lookup(email);
      return { status: r.statusCode, error: r.statusCode >= 400 ? r.json().error : undefined };
    };

    async function fresh(config: object): Promise<void> {
      if (h) await h.close();
      h = await startDetectHarness(backend, config);
      cookie = await h.login(AGENT);
      const emea = new Set(h.staff.find((s) => s.id === AGENT)?.regions);
      const live = h.customers.filter((c) => !c.isDecoy);
      allowed = live.filter((c) => emea.has(c.jurisdiction)).map((c) => c.fields.email as string);
      denied = live.filter((c) => !emea.has(c.jurisdiction)).map((c) => c.fields.email as string);
      assert.ok(allowed.length >= 4 && denied.length >= 4);
    }
    before(() => fresh(budgets({ lookupsPerHour: 3 })));
    after(async () => h.close());

    it('before the budget is spent: denied and missing customers get the same 404', async () => {
      const a = await answer(denied[0] as string);
      const b = await answer(missing(0));
      assert.equal(a.status, 404);
      assert.deepEqual(a, b);
      assert.equal(a.error.code, 'LOOKUP_NO_MATCH');
    });

    it('misses and denials count against the lookup budget; once spent every lookup gets the same 429', async () => {
      await answer(missing(1)); // the third lookup of this hour (two above)
      const hit = await answer(allowed[0] as string);
      const den = await answer(denied[1] as string);
      const miss = await answer(missing(2));
      assert.equal(hit.status, 429, 'the budget was spent by a miss and a denial');
      assert.deepEqual(den, hit);
      assert.deepEqual(miss, hit);
      assert.equal(hit.error.code, 'BUDGET_EXCEEDED');
      const counters = await h.db.selectFrom('detect_budget_counters').select('lookups').where('agent_id', '=', AGENT).executeTakeFirstOrThrow();
      const lookups = (typeof counters.lookups === 'string' ? JSON.parse(counters.lookups) : counters.lookups) as number[];
      assert.equal(lookups.length, 3, 'two misses and a denial were counted');
      // An hour later the window has slid: lookups are answered again.
      h.clock.advance(61 * 60_000);
      assert.equal((await answer(allowed[0] as string)).status, 201);
    });

    it('misses are on the log for the detectors, with the lookup budget count', async () => {
      await h.detect();
      const rows = await h.rt.db.selectFrom('audit_log').select('entry').execute();
      const records = rows.map((r) => JSON.parse(r.entry) as { action: string; agentId: string; decision: string; details: Record<string, unknown> });
      const mine = records.filter((r) => r.action === 'lookup' && r.agentId === AGENT && r.details.miss === true);
      assert.equal(mine.length, 3, 'two misses and one denial before the budget');
    });

    it('a miss runs the same queries as a denied hit (blind index, customer row, guard, log)', async () => {
      await fresh(budgets({ customersPerHour: 2, lookupsPerHour: 100 }));
      const shapes = new QueryShapes();
      const rt = h.rt;
      assert.ok(rt.detection);
      const broker = new Broker({ db: rt.db.withPlugin(shapes) as BrokerDb, vault: rt.vault, policy: rt.policy, clock: rt.clock, guard: rt.detection.guard, events: rt.events });
      const run = async (email: string) => {
        shapes.shapes.length = 0;
        await assert.rejects(broker.lookup(await h.ctx(AGENT), { email }, { purpose: 'general_inquiry', channel: 'phone', subject: 'call' }), (e) => isKeyholeError(e, 'LOOKUP_NO_MATCH'));
        return [...shapes.shapes];
      };
      await run(missing(9)); // warm caches alike
      const miss = await run(missing(10));
      const den = await run(denied[2] as string);
      const bad = await run('not an e-mail at all');
      assert.ok(miss.some((q) => q.includes('blind_indexes')), 'a miss queries the blind index');
      assert.deepEqual(den, miss);
      assert.deepEqual(bad, miss, 'an identifier that does not normalize still queries the index');
    });
    it('after the customer budget is spent: a new customer, a denied one and a missing one get the same 429', async () => {
      // (same core as above: misses and denials touched no customer)
      assert.equal((await answer(allowed[0] as string)).status, 201);
      assert.equal((await answer(allowed[1] as string)).status, 201);
      const hit = await answer(allowed[2] as string);
      assert.equal(hit.status, 429);
      assert.deepEqual(await answer(denied[0] as string), hit);
      assert.deepEqual(await answer(missing(0)), hit);
    });

  });
}
