// The blast radius of an incident, exactly from the signed log: per affected customer each field
// shown, the highest level, how many times, first and last time and the records (so each has an
// inclusion proof), and totals by field, by level, by jurisdiction and for high-balance
// customers. DESIGN.md "Know the blast radius"; docs/design/incident.md.
import { latestCheckpoint, type StoredCheckpoint } from '../audit/checkpoint-store.js';
import { blastTotals, HIGH_BALANCE_TIERS, type BlastCustomer, type BlastTotals } from './blast-totals.js';
import { ExposureAccumulator, type ExposureScope } from './exposure.js';
import { exposureScope, scopeRecords, unsequencedCount } from './log-scope.js';
import type { Incident, IncidentDb } from './model.js';

export { HIGH_BALANCE_TIERS, type BlastCustomer, type BlastTotals } from './blast-totals.js';

/** The blast radius against the signed log of `log.size` entries. `unsequenced` counts records
 *  of the agents still waiting to be sequenced: they are not included (integrate and recompute). */
export interface BlastRadius {
  readonly incidentId: string;
  readonly scope: ExposureScope;
  readonly log: { readonly size: number; readonly checkpoint: string | null };
  readonly computedAt: string;
  readonly unsequenced: number;
  readonly customers: readonly BlastCustomer[];
  readonly totals: BlastTotals;
}

/** Computes the blast radius of `incident` over the signed checkpoint `at` (default: the latest;
 *  records not yet sequenced are counted in `unsequenced`, not included). Reads page by page. */
export async function computeBlastRadius(db: IncidentDb, incident: Incident, now: Date, at?: StoredCheckpoint): Promise<BlastRadius> {
  const cp = at ?? (await latestCheckpoint(db));
  const size = cp?.size ?? 0;
  const scope = exposureScope(incident);
  const acc = new ExposureAccumulator();
  for await (const page of scopeRecords(db, incident, size)) for (const r of page) acc.add(r, scope);
  const exposures = acc.result();
  const facts = await customerFacts(db, exposures.map((e) => e.customerId));
  const customers = exposures.map((e): BlastCustomer => {
    const f = facts.get(e.customerId);
    const tier = f?.tier ?? 'unknown';
    return { ...e, accountId: f?.accountId ?? '', jurisdiction: f?.jurisdiction ?? 'unknown', tier, highBalance: HIGH_BALANCE_TIERS.includes(tier), erasedAt: f?.erasedAt ?? null };
  });
  return {
    incidentId: incident.id, scope, log: { size, checkpoint: cp?.note ?? null }, computedAt: now.toISOString(),
    unsequenced: await unsequencedCount(db, incident), customers, totals: blastTotals(customers),
  };
}

/** Account id, jurisdiction and tier of each customer, read in chunks. */
async function customerFacts(db: IncidentDb, ids: readonly string[]): Promise<Map<string, { accountId: string; jurisdiction: string; tier: string; erasedAt: string | null }>> {
  const out = new Map<string, { accountId: string; jurisdiction: string; tier: string; erasedAt: string | null }>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.selectFrom('customers').select(['id', 'account_id', 'jurisdiction', 'tier', 'erased_at']).where('id', 'in', ids.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.id, { accountId: r.account_id, jurisdiction: r.jurisdiction, tier: r.tier, erasedAt: r.erased_at === null ? null : new Date(r.erased_at).toISOString() });
  }
  return out;
}
