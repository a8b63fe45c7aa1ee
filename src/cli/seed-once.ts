// Seeding the demo exchange exactly once when several instances start at the same moment on an
// empty database (issue 18 part 3): the check "no customers yet" and the seeding run under a
// session advisory lock on PostgreSQL, so the others wait and then find it seeded instead of
// failing on a duplicate key. PGlite has one process and needs no lock.
import { DEFAULT_DEMO } from '../sim/demo-spec.js';
import type { DemoSpec } from '../sim/demo-data.js';
import { KeyholeError } from '../shared/errors.js';
import type { Runtime } from '../server/runtime.js';

/** The session lock held while checking and seeding. */
export const SEED_LOCK = 7250070;

/** The demo to seed: DEFAULT_DEMO, with KEYHOLE_DEMO_CUSTOMERS customers when set (1–1,000,000)
 *  and KEYHOLE_DEMO_ACTIVITY_DAYS days of background work (0–30; default 7).
 *  @throws KeyholeError CONFIG_INVALID. */
export function demoSpecFromEnv(env: Readonly<Record<string, string | undefined>>): DemoSpec {
  const days = env.KEYHOLE_DEMO_ACTIVITY_DAYS?.trim();
  const activityDays = days ? Number(days) : DEFAULT_DEMO.activityDays;
  if (days && (!Number.isSafeInteger(activityDays) || (activityDays ?? 0) < 0 || (activityDays ?? 0) > 30)) {
    throw new KeyholeError('CONFIG_INVALID', 'KEYHOLE_DEMO_ACTIVITY_DAYS must be a whole number from 0 to 30.');
  }
  const base: DemoSpec = { ...DEFAULT_DEMO, activityDays };
  const v = env.KEYHOLE_DEMO_CUSTOMERS?.trim();
  if (!v) return base;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) throw new KeyholeError('CONFIG_INVALID', 'KEYHOLE_DEMO_CUSTOMERS must be a whole number from 1 to 1,000,000.');
  return { ...base, customers: n, tickets: Math.min(DEFAULT_DEMO.tickets, Math.max(10, Math.floor(n / 2))) };
}

/** Runs `seed` when the database has no customer yet, at most once across instances; returns
 *  whether this instance seeded. */
export async function seedDemoOnce(rt: Runtime, seed: () => Promise<void>): Promise<boolean> {
  const empty = async () => Number((await rt.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) === 0;
  const pool = rt.store.pool;
  if (!pool) {
    if (!(await empty())) return false;
    await seed();
    return true;
  }
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [SEED_LOCK]);
    if (!(await empty())) return false;
    await seed();
    return true;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => undefined);
    client.release();
  }
}
