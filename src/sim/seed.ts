// Writes a demo exchange into the database: staff, customers (protected fields encrypted by
// the vault, blind indexes for verification and lookup), and open tickets. Deterministic for
// a seed (except the random data keys). `keyhole seed` and first-run `keyhole serve` use it.
import type { DetectDb } from '../detect/containment.js';
import { seedRosters } from '../detect/rosters.js';
import { sql } from 'kysely';
import { FIELD_CATALOG } from '../fields/catalog.js';
import { FIELD_NAMES } from '../fields/catalog-types.js';
import { canonicalFromValue } from '../fields/normalize.js';
import type { BrokerDb } from '../access/model.js';
import { newContactCode } from '../access/ids.js';
import type { Vault } from '../vault/vault.js';
import { seedBackgroundActivity } from './seed-activity.js';
import { demoCustomer, demoDecoy, demoStaff, demoTickets, type DemoCustomer, type DemoSpec } from './demo-data.js';

/** Counts written by a seed. */
export interface SeedResult {
  readonly customers: number;
  readonly agents: number;
  readonly tickets: number;
}

import { DEFAULT_DEMO } from './demo-spec.js';

export { DEFAULT_DEMO };

/** Writes `batch` (plain rows, data keys, encrypted fields, blind indexes) in `trx`. */
export async function writeCustomers(trx: BrokerDb, vault: Vault, batch: readonly DemoCustomer[]): Promise<void> {
  if (batch.length === 0) return;
  await trx.insertInto('customers').values(batch.map((c) => ({
    id: c.id, account_id: c.accountId, jurisdiction: c.jurisdiction, tier: c.tier, status: c.status, created_at: c.createdAt, is_decoy: c.isDecoy, erased_at: null,
  }))).execute();
  await vault.importCustomers(trx, batch.map((c) => ({
    customerId: c.id,
    values: Object.fromEntries(FIELD_NAMES.filter((f) => FIELD_CATALOG[f].protected && c.fields[f] !== undefined).map((f) => [f, c.fields[f]])),
    indexes: Object.fromEntries(FIELD_NAMES.flatMap((f) => {
      const v = c.fields[f];
      if (FIELD_CATALOG[f].verify === undefined || v === undefined || v === null) return [];
      const canonical = canonicalFromValue(f, v as never, { country: c.jurisdiction });
      return canonical === null ? [] : [[f, canonical]];
    })),
  })));
}

/** Seeds `spec` into an empty database; `onProgress(done, total)` reports customers written.
 *  Customers are generated batch by batch (the next while the database writes the previous)
 *  and not kept, so a million fit in memory; tickets regenerate their customers by index.
 *  Ends with ANALYZE so the planner sees the new table sizes.
 *  @throws Error when the database already holds customers (seeding is for empty databases). */
export async function seedDemo(db: BrokerDb, vault: Vault, spec: DemoSpec = DEFAULT_DEMO, onProgress?: (done: number, total: number) => void): Promise<SeedResult> {
  const existing = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) throw new Error('the database already holds customers; seed an empty one');
  const now = spec.now ?? new Date(Date.UTC(2026, 0, 5, 9, 0, 0));
  const staff = demoStaff(spec.seed, spec.agents);
  await db.insertInto('agents').values(staff.map((a) => ({ ...a, regions: [...a.regions], status: 'active' as const, created_at: now, suspended_at: null }))).execute();
  if (spec.rosters !== false) await seedRosters(db as unknown as DetectDb, staff, now); // the off-shift detector works in the demo too
  const BATCH = spec.customers > 20_000 ? 1000 : 250;
  let written = 0;
  let pending: Promise<void> | undefined;
  for (let start = 0; start < spec.customers; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, spec.customers - start) }, (_, k) => demoCustomer(spec.seed, start + k, now));
    await pending;
    pending = db.transaction().execute((trx) => writeCustomers(trx, vault, batch)).then(() => {
      written += batch.length;
      onProgress?.(written, spec.customers);
    });
  }
  await pending;
  const tickets = demoTickets(spec.seed, spec.tickets, { count: spec.customers, at: (i) => demoCustomer(spec.seed, i, now) }, staff, now);
  for (let s = 0; s < tickets.length; s += 500) {
    await db.insertInto('tickets').values(tickets.slice(s, s + 500).map((t) => ({
      id: t.id, customer_id: t.customerId, purpose: t.purpose, status: 'open' as const, assignee_id: t.assigneeId, channel: t.channel,
      subject: t.subject, referenced_tx: [...t.referencedTx], created_by: 'seed', created_at: t.createdAt, closed_at: null, contact_code: newContactCode(),
    }))).execute();
  }
  await seedDecoys(db, vault, spec, now);
  if (spec.activityDays) {
    const sample = Array.from({ length: Math.min(spec.customers, 1000) }, (_, k) => demoCustomer(spec.seed, Math.floor((k * spec.customers) / Math.min(spec.customers, 1000)), now).id);
    await seedBackgroundActivity(db, staff, sample, now, spec.activityDays, spec.seed);
  }
  await sql`analyze`.execute(db);
  return { customers: written, agents: staff.length, tickets: tickets.length };
}

/** Plants `spec.decoys` decoy customers, each with an open, unassigned decoy ticket (a large
 *  withdrawal waiting for review: bait for anyone assigning themselves tickets). */
export async function seedDecoys(db: BrokerDb, vault: Vault, spec: DemoSpec, now: Date): Promise<number> {
  const n = spec.decoys ?? 0;
  if (n === 0) return 0;
  const decoys = Array.from({ length: n }, (_, k) => demoDecoy(spec.seed, spec.customers, k, now));
  await db.transaction().execute((trx) => writeCustomers(trx, vault, decoys));
  await db.insertInto('tickets').values(decoys.map((c, k) => ({
    id: `tkt_${String(spec.tickets + k + 1).padStart(5, '0')}`, customer_id: c.id, purpose: 'withdrawal_issue', status: 'open' as const, assignee_id: null,
    channel: 'email', subject: 'Large withdrawal pending review', referenced_tx: [], created_by: 'seed', created_at: now, closed_at: null, contact_code: newContactCode(),
  }))).execute();
  return n;
}
