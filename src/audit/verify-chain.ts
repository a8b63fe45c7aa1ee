// Verification of the stored log (first part): every entry re-hashes to its leaf hash, the
// sequence has no gap, and the hash chain links every entry to the one before it.
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditTables } from './tables.js';
import { auditLeafHash, chainHash } from './integrator.js';

/** The outcome of a verification: `ok`, the entries checked, and for a failure the first bad
 *  sequence number with what is wrong there. */
export type ChainVerification =
  | { readonly ok: true; readonly size: number }
  | { readonly ok: false; readonly size: number; readonly firstBadSeq: number; readonly problem: string };

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && timingSafeEqual(a, b);

/** Walks audit_log in sequence order (paginated by key, `pageSize` rows a read) and checks
 *  leaf hashes, contiguity and the chain. Never throws for a bad log: it reports it. */
export async function verifyChain(db: Kysely<AuditTables>, pageSize = 5000): Promise<ChainVerification> {
  let expected = 0;
  let prev: Uint8Array = new Uint8Array(32);
  for (;;) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash', 'chain_hash'])
      .where('seq', '>=', expected).orderBy('seq').limit(pageSize).execute();
    for (const r of rows) {
      if (r.seq !== expected) return { ok: false, size: expected, firstBadSeq: expected, problem: `entry ${expected} is missing (next is ${r.seq})` };
      const leaf = auditLeafHash(new TextEncoder().encode(r.entry));
      if (!eq(leaf, r.leaf_hash)) return { ok: false, size: expected, firstBadSeq: r.seq, problem: 'entry does not hash to its leaf hash' };
      const link = chainHash(prev, leaf);
      if (!eq(link, r.chain_hash)) return { ok: false, size: expected, firstBadSeq: r.seq, problem: 'hash chain broken' };
      prev = link;
      expected++;
    }
    if (rows.length < pageSize) return { ok: true, size: expected };
  }
}
