// The totals of a blast radius and the shape of an affected customer: pure, browser-safe, shared
// by the server and the offline bundle verifier (which recomputes them). docs/design/incident.md.
import { LEVELS, levelRank, type Level } from '../fields/levels.js';
import type { CustomerExposure } from './exposure.js';

/** Tiers that count as high-balance (`customers.tier`: `vip` above $250k, `pro` above $25k). */
export const HIGH_BALANCE_TIERS: readonly string[] = ['vip', 'pro'];

/** An affected customer: their exposure and the plain account facts the totals group by. */
export interface BlastCustomer extends CustomerExposure {
  readonly accountId: string;
  readonly jurisdiction: string;
  readonly tier: string;
  readonly highBalance: boolean;
  /** When the customer was crypto-shredded (ISO time), or null: an erased customer cannot be
   *  notified (no contact data is left) and is reported apart (issue 19). Optional in bundles
   *  made before it existed. */
  readonly erasedAt?: string | null;
}

/** Counts over the affected customers. `byField[f].customers` is how many customers had `f`
 *  shown, `count` how many times in all, `byLevel` how many customers at each highest level;
 *  `byLevel[l]` counts customers whose highest level over all fields is `l` and (customer,
 *  field) pairs whose highest level is `l`. */
export interface BlastTotals {
  readonly customers: number;
  readonly records: number;
  readonly byField: Readonly<Record<string, { readonly customers: number; readonly count: number; readonly byLevel: Readonly<Partial<Record<Level, number>>> }>>;
  readonly byLevel: Readonly<Record<Level, { readonly customers: number; readonly fields: number }>>;
  readonly byJurisdiction: Readonly<Record<string, number>>;
  readonly highBalance: { readonly customers: number; readonly byField: Readonly<Record<string, number>> };
}

/** The totals of `customers` (see BlastTotals). */
export function blastTotals(customers: readonly BlastCustomer[]): BlastTotals {
  const byField: Record<string, { customers: number; count: number; byLevel: Partial<Record<Level, number>> }> = {};
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, { customers: 0, fields: 0 }])) as Record<Level, { customers: number; fields: number }>;
  const byJurisdiction: Record<string, number> = {};
  const high = { customers: 0, byField: {} as Record<string, number> };
  const records = new Set<number>();
  for (const c of customers) {
    c.seqs.forEach((s) => records.add(s));
    byJurisdiction[c.jurisdiction] = (byJurisdiction[c.jurisdiction] ?? 0) + 1;
    if (c.highBalance) high.customers++;
    let top: Level = 'hidden';
    for (const f of c.fields) {
      const t = (byField[f.field] ??= { customers: 0, count: 0, byLevel: {} });
      t.customers++;
      t.count += f.count;
      t.byLevel[f.level] = (t.byLevel[f.level] ?? 0) + 1;
      byLevel[f.level].fields++;
      if (levelRank(f.level) > levelRank(top)) top = f.level;
      if (c.highBalance) high.byField[f.field] = (high.byField[f.field] ?? 0) + 1;
    }
    byLevel[top].customers++;
  }
  return { customers: customers.length, records: records.size, byField, byLevel, byJurisdiction, highBalance: high };
}
