// The simulator: deterministic for a seed, its world shaped as specified, and the in-memory model
// of the broker agreeing with the real broker on PGlite step for step (the benchmark's premise).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBrokerDriver, brokerCustomerSource } from '../../src/sim/broker-driver.js';
import { Rng } from '../../src/sim/rng.js';
import { scenarioByName, SCENARIOS } from '../../src/sim/scenarios.js';
import { runScenario } from '../../src/sim/simulator.js';
import { buildWorld } from '../../src/sim/world.js';
import { tiny } from './support/scenarios.js';

const START = Date.UTC(2026, 1, 2);

describe('simulator', () => {
  it('is deterministic for a seed', async () => {
    assert.deepEqual([new Rng(5).next(), new Rng(5).next()], [new Rng(5).next(), new Rng(5).next()]);
    const opts = { scenario: scenarioByName('cherry-picker'), seed: 3, agents: 30, customers: 20_000, days: 7 };
    assert.deepEqual(await runScenario(opts), await runScenario(opts));
  });

  it('builds the world as specified: VIP desk, QA, rostered front line, decoys that look like VIPs', () => {
    const w = buildWorld({ seed: 1, agents: 200, customers: 50_000, days: 30 });
    assert.equal(w.agents.length, 200);
    assert.equal(w.agents.filter((a) => a.team === 'vip-desk').length, 8);
    assert.equal(w.agents.filter((a) => a.skill === 'qa').length, 6);
    assert.ok(w.decoys.length >= 3 && w.decoys.every((i) => w.customers.tier[i] === 2));
    const vip = w.customers.tier.filter((t) => t === 2).length / w.customers.n;
    assert.ok(vip > 0.002 && vip < 0.02, `VIP share ${vip}`);
    assert.equal(new Set(SCENARIOS.map((s) => s.name)).size, SCENARIOS.length);
  });

  it('an insider of the decoy scenario is contained on the first decoy, before a second real account', async () => {
    const r = await runScenario({ scenario: scenarioByName('decoy-report'), seed: 2, agents: 40, customers: 50_000, days: 8 });
    assert.ok(r.contained);
    assert.ok(r.abc <= 1, `ABC ${r.abc}`);
  });

  it('the model and the real broker on PGlite agree on a run', async () => {
    const opts = { scenario: tiny, seed: 4, agents: 6, customers: 300, days: 2, world: { customerSource: brokerCustomerSource(4, START), start: START } };
    const model = await runScenario(opts);
    const broker = await runScenario({ ...opts, driver: (w, _c, hooks, cfg) => createBrokerDriver(w, hooks, cfg) });
    assert.ok(model.contained && model.abc === 5, JSON.stringify(model));
    assert.deepEqual({ ...broker, records: 0 }, { ...model, records: 0 });
    assert.ok(Math.abs(broker.records - model.records) <= 1, `${broker.records} vs ${model.records} records`);
  });
});
