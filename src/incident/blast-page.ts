// One page of a blast radius's customers, for the console: an incident of 70,000 customers is
// read 100 at a time (issue 14 item 9), filtered on the server. Pure: the figures (`totals`) stay
// those of every customer; the exports (blast-export.ts) still hold every customer.
import type { BlastCustomer, BlastRadius } from './blast-radius.js';

/** Which customers to return: `offset` (0-based) into those matching `q`, at most `limit`. */
export interface BlastPageQuery {
  readonly offset: number;
  readonly limit: number;
  /** Case-insensitive substring of a customer id, account id, jurisdiction, tier or field name;
   *  empty or absent: every customer. attacker-controlled: compared as plain text, never a pattern. */
  readonly q?: string | undefined;
}

/** A blast radius with `customers` cut to one page; `page.matching` counts every customer `q`
 *  matches (`totals.customers` counts all of them). */
export interface BlastRadiusPage extends BlastRadius {
  readonly page: { readonly offset: number; readonly limit: number; readonly q: string; readonly matching: number };
}

function matches(c: BlastCustomer, q: string): boolean {
  if (q === '') return true;
  const hay = [c.customerId, c.accountId, c.jurisdiction, c.tier, ...c.fields.map((f) => f.field)];
  return hay.some((s) => s.toLowerCase().includes(q));
}

/** The page of `blast` that `query` asks for, customers in the blast radius's order. */
export function blastRadiusPage(blast: BlastRadius, query: BlastPageQuery): BlastRadiusPage {
  const q = (query.q ?? '').trim().toLowerCase();
  const matching = q === '' ? blast.customers : blast.customers.filter((c) => matches(c, q));
  return {
    ...blast,
    customers: matching.slice(query.offset, query.offset + query.limit),
    page: { offset: query.offset, limit: query.limit, q, matching: matching.length },
  };
}
