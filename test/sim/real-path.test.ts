// The detection benchmark's real path (issue 15 item 1): the simulator drives the HTTP server
// (demo sign-in, device cookie, client address behind the trusted proxy, routes) over the real
// broker, guard, log, integrator and detectors — on PostgreSQL when KEYHOLE_TEST_DATABASE_URL is
// set, else PGlite — with the server's clock held by the simulator; and the in-memory model
// agrees with it on a small scenario within the stated tolerance. The controlled clock exists
// only in test/bench mode.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { brokerCustomerSource, createBrokerDriver } from '../../src/sim/broker-driver.js';
import { runScenario } from '../../src/sim/simulator.js';
import { DEFAULT_DETECT_CONFIG } from '../../src/detect/config.js';
import { controlledClockFromEnv } from '../../src/server/bench-clock.js';
import { createRuntime } from '../../src/server/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { createPostgresDatabase } from '../support/databases.js';
import { hijackBeforeShift, orphans, tiny } from './support/scenarios.js';

const START = Date.UTC(2026, 1, 2);
/** Model and real path may differ by at most this many accounts before containment (the HTTP
 *  path answers a contained agent's next request at the auth hook, the model at the guard). */
export const ABC_TOLERANCE = 1;

describe('the real path through the HTTP server', () => {
  it(`agrees with the model on a small scenario (ABC within ${ABC_TOLERANCE}, same containment, same false containments)`, async () => {
    const opts = { scenario: tiny, seed: 4, agents: 6, customers: 300, days: 2, world: { customerSource: brokerCustomerSource(4, START), start: START } };
    const model = await runScenario(opts);
    const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
    const pg = adminUrl ? await createPostgresDatabase(adminUrl) : undefined;
    const http = await runScenario({ ...opts, driver: (w, _c, hooks, cfg) => createBrokerDriver(w, hooks, cfg, { http: true, databaseUrl: pg?.url, release: pg?.drop }) });
    assert.ok(model.contained && model.abc === 5, JSON.stringify(model));
    assert.ok(http.contained, JSON.stringify(http));
    assert.ok(Math.abs(http.abc - model.abc) <= ABC_TOLERANCE, `ABC model ${model.abc}, real path ${http.abc}`);
    assert.equal(http.falseContainments, model.falseContainments);
    assert.deepEqual(http.detectedBy, model.detectedBy);
    assert.ok(http.records > 0);
  });

  it('reports a containment whose alert names an older record (balance skew crossing on an orphaned lookup), as the model does', async () => {
    // With the contain threshold at 22 the crossing signal is balance skew, whose alert carries the
    // orphaned lookup's seq, consumed before the batch that raised it: the driver once looked for
    // alerts by seq and missed it (the cherry-picker and verify-prober real-path disagreements).
    const config = { ...DEFAULT_DETECT_CONFIG, risk: { ...DEFAULT_DETECT_CONFIG.risk, contain: 22 } };
    const opts = { scenario: orphans, seed: 4, agents: 6, customers: 300, days: 2, config, world: { customerSource: brokerCustomerSource(4, START), start: START } };
    const model = await runScenario(opts);
    assert.ok(model.contained && model.detectedBy.includes('balance_skew'), JSON.stringify(model));
    const http = await runScenario({ ...opts, driver: (w, _c, hooks, cfg) => createBrokerDriver(w, hooks, cfg, { http: true }) });
    assert.ok(http.contained, JSON.stringify(http));
    assert.equal(http.abc, model.abc);
    assert.deepEqual(http.detectedBy, model.detectedBy);
  });

  it('binds a stolen session to its owner\'s sign-in even when the thief uses it first (model, broker and HTTP paths)', async () => {
    // A cookie exists only after its owner signed in: the drivers record that sign-in from the
    // owner's client before the thief's first request, so the thief is caught by session binding
    // at once instead of binding the session to themselves (seed 4 of session-hijack reached 10).
    const opts = { scenario: hijackBeforeShift(12), seed: 4, agents: 6, customers: 300, days: 2, world: { customerSource: brokerCustomerSource(4, START), start: START } };
    const model = await runScenario(opts);
    assert.ok(model.contained && model.detectedBy[0] === 'session_binding' && model.abc <= 2, JSON.stringify(model));
    const http = await runScenario({ ...opts, driver: (w, _c, hooks, cfg) => createBrokerDriver(w, hooks, cfg, { http: true }) });
    assert.ok(http.contained && http.detectedBy.includes('session_binding'), JSON.stringify(http));
    assert.ok(Math.abs(http.abc - model.abc) <= ABC_TOLERANCE, `ABC model ${model.abc}, real path ${http.abc}`);
    const broker = await runScenario({ ...opts, driver: (w, _c, hooks, cfg) => createBrokerDriver(w, hooks, cfg) });
    assert.ok(broker.contained && broker.detectedBy[0] === 'session_binding' && broker.abc === model.abc, `broker path ${JSON.stringify(broker)}`);
  });

  it('has a controlled clock only in test or bench mode, and refuses it anywhere else', async () => {
    assert.equal(controlledClockFromEnv({}), undefined);
    assert.throws(() => controlledClockFromEnv({ KEYHOLE_CLOCK: 'controlled' }), /refused/);
    assert.throws(() => controlledClockFromEnv({ KEYHOLE_CLOCK: 'controlled', KEYHOLE_MODE: 'production' }), /refused/);
    assert.throws(() => controlledClockFromEnv({ KEYHOLE_CLOCK: 'controlled', KEYHOLE_MODE: 'bench', NODE_ENV: 'production' }), /refused/);
    assert.throws(() => controlledClockFromEnv({ KEYHOLE_CLOCK: 'sometimes' }), /not system or controlled/);
    const base = { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') };
    await assert.rejects(createRuntime({ dataDir: ':memory:', integrate: false, env: { ...base, KEYHOLE_CLOCK: 'controlled' } }), /refused/);
    const rt = await createRuntime({ dataDir: ':memory:', integrate: false, env: { ...base, KEYHOLE_CLOCK: 'controlled', KEYHOLE_MODE: 'bench', KEYHOLE_CLOCK_START: '2026-02-02T09:00:00Z' } });
    const app = await buildApp(rt, { logger: false, console: false });
    try {
      assert.equal(rt.clock.now().toISOString(), '2026-02-02T09:00:00.000Z');
      const moved = await app.inject({ method: 'PUT', url: '/v1/bench/clock', payload: { time: '2026-03-01T09:00:00Z' } });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(rt.clock.now().toISOString(), '2026-03-01T09:00:00.000Z');
      assert.equal((await app.inject({ method: 'PUT', url: '/v1/bench/clock', payload: { time: '2026-02-01T09:00:00Z' } })).statusCode, 400, 'never back');
    } finally {
      await app.close();
      await rt.close();
    }
    const prod = await createRuntime({ dataDir: ':memory:', integrate: false, env: base });
    const prodApp = await buildApp(prod, { logger: false, console: false });
    try {
      assert.equal((await prodApp.inject({ method: 'PUT', url: '/v1/bench/clock', payload: { time: '2027-01-01T00:00:00Z' } })).statusCode, 404, 'no such route outside bench mode');
    } finally {
      await prodApp.close();
      await prod.close();
    }
  });
});
