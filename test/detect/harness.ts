// A Keyhole core for detect tests: the small test demo plus two decoys, with a detection
// configuration of the test's choosing (KEYHOLE_DETECT_CONFIG) and optionally a webhook URL.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import type { DetectDb } from '../../src/detect/containment.js';
import { buildApp } from '../../src/server/app.js';
import { createRuntime, type Runtime } from '../../src/server/runtime.js';
import { FixedClock } from '../../src/shared/clock.js';
import { demoCustomer, demoStaff, type DemoAgent, type DemoCustomer } from '../../src/sim/demo-data.js';
import { seedDemo } from '../../src/sim/seed.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { TEST_DEMO } from '../support/harness.js';

/** A running detect test core. */
export interface DetectHarness {
  readonly rt: Runtime;
  readonly db: DetectDb;
  readonly clock: FixedClock;
  readonly app: FastifyInstance;
  readonly staff: readonly DemoAgent[];
  readonly customers: readonly DemoCustomer[];
  /** A broker context for `agentId`, freshly loaded. */
  ctx(agentId: string): Promise<RequestContext>;
  /** Signs in through the demo route; returns the Cookie header value. */
  login(agentId: string): Promise<string>;
  /** Customers `agentId` may look up (their jurisdictions), not decoys. */
  lookupable(agentId: string): DemoCustomer[];
  /** Integrates the log and runs the detector consumer to the end. */
  detect(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a core on `backend` with `config` (a KEYHOLE_DETECT_CONFIG object) and `env` extras. */
export async function startDetectHarness(backend: TestDatabase, config: object = {}, env: Record<string, string> = {}): Promise<DetectHarness> {
  const now = TEST_DEMO.now ?? new Date(Date.UTC(2026, 0, 5, 9));
  const spec = { ...TEST_DEMO, now, decoys: 2 };
  const clock = new FixedClock(now);
  const pg = backend.name === 'postgres' ? await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string) : undefined;
  const rt = await createRuntime({
    databaseUrl: pg?.url, dataDir: ':memory:', clock, integrate: false,
    env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), KEYHOLE_DETECT_CONFIG: JSON.stringify(config), ...env },
  });
  await seedDemo(rt.db, rt.vault, spec);
  const app = await buildApp(rt, { demo: true, logger: false, console: false });
  const staff = demoStaff(spec.seed, spec.agents);
  const customers = Array.from({ length: spec.customers }, (_, i) => demoCustomer(spec.seed, i, now));
  let n = 0;
  return {
    rt, db: rt.db as unknown as DetectDb, clock, app, staff, customers,
    async ctx(agentId) {
      const agent = await loadAgent(rt.db, agentId);
      if (!agent) throw new Error(`no agent ${agentId}`);
      return { agent, requestId: `req_t${n++}`, client: { net: 'net-test', dev: 'dev-test' } };
    },
    async login(agentId) {
      const r = await app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId } });
      if (r.statusCode !== 200) throw new Error(`login ${agentId}: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'kh_session');
      const d = r.cookies.find((x) => x.name === 'kh_device');
      if (!c || !d) throw new Error('no session or device cookie');
      return `kh_session=${c.value}; kh_device=${d.value}`; // a browser sends both (session binding)
    },
    lookupable(agentId) {
      const a = staff.find((s) => s.id === agentId);
      return customers.filter((c) => a?.regions.includes(c.jurisdiction));
    },
    async detect() {
      await rt.integrator.drain();
      await rt.detection?.consumer.drain();
    },
    async close() {
      await app.close();
      await rt.close();
      await pg?.drop();
    },
  };
}
