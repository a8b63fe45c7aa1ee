// The log check a server runs when it starts (issue 10 item 5): cheap enough for every start,
// unlike `keyhole verify`. The latest checkpoint MUST open with the log's key; audit_log MUST
// end exactly at its size (entries and checkpoint commit together); the stored tiles MUST
// reproduce its root; and the newest `tail` entries MUST re-hash to their leaf hashes, match
// the leaves the tiles prove, and link in the hash chain. RFC 9162 §2.1, C2SP tlog-checkpoint.
import { sql, type Kysely } from 'kysely';
import { openCheckpoint } from '../shared/tlog/checkpoint.js';
import { hashesEqual } from '../shared/tlog/hash.js';
import { storedHashIndex } from '../shared/tlog/stored-hash-index.js';
import { TileHashReader } from '../shared/tlog/tile-hash-reader.js';
import { latestCheckpoint } from './checkpoint-store.js';
import { auditLeafHash, chainHash, CHAIN_START } from './leaf-hash.js';
import type { LogCheck } from './verify-log.js';
import type { AuditTables } from './tables.js';
import { DbTileReader } from './tile-store.js';

/** The outcome: the checked size, or what is wrong (no customer data, positions only). */
export type StartupCheck =
  | { readonly ok: true; readonly size: number; readonly checkedEntries: number }
  | { readonly ok: false; readonly problem: string };

/** Entries re-checked by default: the newest 256 (one full tile). */
export const STARTUP_TAIL = 256;

/** Checks the head of the log stored in `db` against `check` (key and origin) in one
 *  REPEATABLE READ snapshot. A log with no checkpoint yet passes when it has no entries.
 *  Never throws for a bad log. @throws only on database errors. */
export async function checkLogAtStartup(db: Kysely<AuditTables>, check: LogCheck, tail = STARTUP_TAIL): Promise<StartupCheck> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const cp = await latestCheckpoint(trx);
    const last = await trx.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const entries = last === undefined ? 0 : last.seq + 1;
    if (cp === undefined) {
      return entries === 0 ? { ok: true, size: 0, checkedEntries: 0 } : { ok: false, problem: `audit_log holds ${entries} entries but no checkpoint` };
    }
    try {
      const opened = openCheckpoint(cp.note, check.verifier, check.origin).checkpoint;
      if (opened.size !== cp.size || !hashesEqual(opened.rootHash, cp.rootHash)) throw new Error('columns differ');
    } catch {
      return { ok: false, problem: `the latest checkpoint (size ${cp.size}) is not validly signed by ${check.origin}` };
    }
    if (entries !== cp.size) {
      return { ok: false, problem: `audit_log ends at ${entries} entries but the latest checkpoint has ${cp.size}` };
    }
    if (cp.size === 0) return { ok: true, size: 0, checkedEntries: 0 };
    const from = Math.max(0, cp.size - tail);
    const rows = await trx.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash', 'chain_hash']).where('seq', '>=', from).orderBy('seq').execute();
    if (rows.length !== cp.size - from || rows.some((r, i) => r.seq !== from + i)) {
      return { ok: false, problem: `audit_log has a gap among its newest ${cp.size - from} entries` };
    }
    let proven: readonly Uint8Array[];
    try {
      const reader = new TileHashReader({ size: cp.size, rootHash: cp.rootHash }, new DbTileReader(trx));
      proven = await reader.readHashes(rows.map((r) => storedHashIndex(0, r.seq)));
    } catch {
      return { ok: false, problem: `the stored tiles do not reproduce the root of the checkpoint of size ${cp.size}` };
    }
    let prev = from === 0 ? CHAIN_START : (await sql<{ chain_hash: Uint8Array }>`select chain_hash from audit_log where seq = ${from - 1}`.execute(trx)).rows[0]?.chain_hash;
    for (const [i, r] of rows.entries()) {
      const leaf = auditLeafHash(r.entry);
      if (!hashesEqual(leaf, r.leaf_hash) || !hashesEqual(leaf, proven[i]!)) return { ok: false, problem: `audit_log entry ${r.seq} does not match its leaf` };
      if (prev === undefined || !hashesEqual(chainHash(prev, leaf), r.chain_hash)) return { ok: false, problem: `the hash chain breaks at entry ${r.seq}` };
      prev = r.chain_hash;
    }
    return { ok: true, size: cp.size, checkedEntries: rows.length };
  });
}
