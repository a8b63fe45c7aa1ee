// A Keyhole core on a test database with a small seeded demo exchange, a FixedClock, and the
// HTTP app for `inject` (no port). One per describe(): opening PGlite costs ~1.5 s.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { createRuntime, type Runtime, type RuntimeConfig } from '../../src/server/runtime.js';
import { FixedClock } from '../../src/shared/clock.js';
import { demoCustomer, demoStaff, type DemoAgent, type DemoCustomer, type DemoSpec } from '../../src/sim/demo-data.js';
import { seedDemo } from '../../src/sim/seed.js';
import { createPostgresDatabase, type TestDatabase } from './databases.js';
import { testKeysEnv } from './softhsm.js';

/** A running test core. */
export interface Harness {
  readonly rt: Runtime;
  readonly clock: FixedClock;
  /** The PostgreSQL URL of the test database (undefined on PGlite). */
  readonly databaseUrl: string | undefined;
  readonly app: FastifyInstance;
  readonly spec: DemoSpec;
  readonly staff: readonly DemoAgent[];
  /** The seeded customers with their plaintext values (ground truth for leak checks). */
  readonly customers: readonly DemoCustomer[];
  /** Signs in as `agentId` through the demo route; returns the Cookie header value. */
  login(agentId: string): Promise<string>;
  close(): Promise<void>;
}

/** The small demo every broker test uses. */
export const TEST_DEMO: DemoSpec = { customers: 40, agents: 9, tickets: 80, seed: 7, now: new Date(Date.UTC(2026, 0, 5, 9, 0, 0)), rosters: false };

/** Starts a harness on `backend` (PGlite in memory, or a fresh PostgreSQL database);
 *  `overrides` adjust the runtime (e.g. `{ logHealth: true }`). */
export async function startHarness(backend: TestDatabase, spec: DemoSpec = TEST_DEMO, overrides: Partial<RuntimeConfig> = {}): Promise<Harness> {
  const clock = new FixedClock(spec.now ?? new Date(Date.UTC(2026, 0, 5, 9, 0, 0)));
  const pg = backend.name === 'postgres' ? await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string) : undefined;
  const rt = await createRuntime({
    databaseUrl: pg?.url, dataDir: ':memory:', clock, integrate: false,
    env: (await testKeysEnv()) ?? { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') }, // KEYHOLE_TEST_KEYS=pkcs11: SoftHSM2
    ...overrides,
  });
  await seedDemo(rt.db, rt.vault, spec);
  const app = await buildApp(rt, { demo: true, logger: false });
  const customers = Array.from({ length: spec.customers }, (_, i) => demoCustomer(spec.seed, i, spec.now ?? clock.now()));
  return {
    rt, clock, app, spec, customers, databaseUrl: pg?.url,
    staff: demoStaff(spec.seed, spec.agents),
    async login(agentId) {
      const r = await app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId } });
      if (r.statusCode !== 200) throw new Error(`login ${agentId}: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'kh_session');
      const d = r.cookies.find((x) => x.name === 'kh_device');
      if (!c || !d) throw new Error('no session or device cookie');
      return `kh_session=${c.value}; kh_device=${d.value}`; // a browser sends both (session binding)
    },
    async close() {
      await app.close();
      await rt.close();
      await pg?.drop();
    },
  };
}

const NOT_SECRET_KEYS = new Set(['type', 'status', 'asset', 'id', 'documentId', 'uploadedAt', 'country', 'label', 'at', 'bankName']);

/** Every string and number leaf of a customer's protected values (for leak scans); short or
 *  generic leaves (under 6 characters, booleans, enum-like words) are skipped as they would
 *  match by accident. */
export function secretLeaves(c: DemoCustomer, fields: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 6) out.push(v);
    else if (typeof v === 'number' && String(v).length >= 6) out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (!NOT_SECRET_KEYS.has(k)) walk(x);
  };
  for (const f of fields) walk(c.fields[f]);
  return out;
}

/** A supervisor who may decide `agentId`'s reveal requests (issue 10.12: same vendor, a shared
 *  region); throws when the demo has none. */
export function supervisorFor(staff: readonly DemoAgent[], agentId: string): DemoAgent {
  const a = staff.find((s) => s.id === agentId);
  const sup = a && staff.find((s) => s.role === 'supervisor' && s.id !== agentId && s.vendor === a.vendor && s.regions.some((r) => a.regions.includes(r)));
  if (!sup) throw new Error(`no supervisor in scope for ${agentId}`);
  return sup;
}
