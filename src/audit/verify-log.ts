// Verification of the whole stored log, as `keyhole verify` runs it: every checkpoint opens with
// the log's key, every entry re-hashes to its leaf, the sequence has no gap, the tree rebuilt
// from the leaves equals the stored tiles and has every checkpoint's root (so each checkpoint
// is consistent with the latest), and nothing lies beyond the latest checkpoint. RFC 9162 §2.1,
// C2SP tlog-tiles / tlog-checkpoint. Reports the first bad position instead of throwing.
import type { Kysely } from 'kysely';
import { openCheckpoint } from '../shared/tlog/checkpoint.js';
import { emptyRoot, hashesEqual } from '../shared/tlog/hash.js';
import type { NoteVerifier } from '../shared/tlog/vkey.js';
import { checkpointsAfter, type StoredCheckpoint } from './checkpoint-store.js';
import { auditLeafHash, chainHash, CHAIN_START } from './leaf-hash.js';
import type { AuditTables } from './tables.js';
import { TreeRebuild, type Problem } from './tree-rebuild.js';

/** What the log is checked against: its checkpoint key and origin. */
export interface LogCheck {
  /** The log's key, or every trusted log key (any of them may have signed). */
  readonly verifier: NoteVerifier | readonly NoteVerifier[];
  readonly origin: string;
}

/** The outcome. On failure `firstBadIndex` is the first leaf position found wrong (for a
 *  checkpoint problem, the checkpoint's size) and `problem` says what is wrong there. */
export type LogVerification =
  | { readonly ok: true; readonly size: number; readonly rootHash: Uint8Array; readonly checkpoints: number }
  | { readonly ok: false; readonly firstBadIndex: number; readonly problem: string };

/** Options of verifyLog. */
export interface VerifyLogOptions {
  /** Entries read per query (default 5000). */
  readonly pageSize?: number;
  /** Read everything in one REPEATABLE READ transaction (default true). Pass false when `db`
   *  is already a transaction. */
  readonly snapshot?: boolean;
}

/** Verifies the log stored in `db` against `check`. Never throws for a bad log: it reports the
 *  first bad position. Exact findings (an entry, a tile, a checkpoint signature, the hash
 *  chain) win over a root mismatch, which only bounds the position between two checkpoints.
 *  @throws only on database errors. */
export async function verifyLog(db: Kysely<AuditTables>, check: LogCheck, opts: VerifyLogOptions = {}): Promise<LogVerification> {
  const run = (trx: Kysely<AuditTables>) => new LogWalk(trx, check, opts.pageSize ?? 5000).run();
  if (opts.snapshot === false) return run(db);
  return db.transaction().setIsolationLevel('repeatable read').execute(run);
}

class LogWalk {
  readonly #db: Kysely<AuditTables>;
  readonly #check: LogCheck;
  readonly #pageSize: number;
  readonly #problems: Problem[] = [];
  #chain: Uint8Array = CHAIN_START;

  constructor(db: Kysely<AuditTables>, check: LogCheck, pageSize: number) {
    this.#db = db;
    this.#check = check;
    this.#pageSize = pageSize;
  }

  async run(): Promise<LogVerification> {
    const checkpoints = await this.#loadCheckpoints();
    const latest = checkpoints.at(-1);
    if (latest === undefined) return this.#noCheckpoint();
    const tree = new TreeRebuild(this.#db, checkpoints);
    await this.#walkEntries(tree, latest.size);
    this.#problems.push(...(await tree.finish(latest.size, tree.size === latest.size && this.#problems.length === 0)));
    return this.#outcome(tree, latest, checkpoints.length);
  }

  /** Every stored checkpoint whose note opens and matches its columns; the others are
   *  problems at their size. */
  async #loadCheckpoints(): Promise<StoredCheckpoint[]> {
    const good: StoredCheckpoint[] = [];
    for (let after = -1; ;) {
      const page = await checkpointsAfter(this.#db, after, 1000);
      for (const cp of page) {
        if (this.#opens(cp)) good.push({ size: cp.size, rootHash: cp.rootHash, note: '' }); // the note is checked: keep less
        else this.#problems.push({ index: cp.size, exact: true, text: `the checkpoint of size ${cp.size} is not validly signed by ${this.#check.origin}` });
      }
      if (page.length < 1000) return good;
      after = page.at(-1)!.size;
    }
  }

  #opens(cp: StoredCheckpoint): boolean {
    try {
      const c = openCheckpoint(cp.note, this.#check.verifier, this.#check.origin).checkpoint;
      return c.size === cp.size && hashesEqual(c.rootHash, cp.rootHash);
    } catch {
      return false;
    }
  }

  /** Reads entries in seq order until the end or the first page with a problem, feeding
   *  their leaf hashes to `tree`. */
  async #walkEntries(tree: TreeRebuild, signedSize: number): Promise<void> {
    for (let next = 0; ;) {
      const rows = await this.#db.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash', 'chain_hash'])
        .where('seq', '>=', next).orderBy('seq').limit(this.#pageSize).execute();
      const leaves: Uint8Array[] = [];
      for (const r of rows) {
        const leaf = this.#checkEntry(r, next, signedSize);
        if (!(leaf instanceof Uint8Array)) {
          this.#problems.push(leaf);
          break;
        }
        leaves.push(leaf);
        next++;
      }
      this.#problems.push(...(await tree.extend(leaves)));
      if (this.#problems.length > 0 || rows.length < this.#pageSize) break;
    }
    if (this.#problems.length === 0 && tree.size < signedSize) {
      this.#problems.push({ index: tree.size, exact: true, text: `entry ${tree.size} is missing` });
    }
  }

  /** The leaf hash of entry row `r`, or what is wrong with it. */
  #checkEntry(r: { seq: number; entry: string; leaf_hash: Uint8Array; chain_hash: Uint8Array }, expected: number, signedSize: number): Uint8Array | Problem {
    if (r.seq !== expected) return { index: expected, exact: true, text: `entry ${expected} is missing (the next is ${r.seq})` };
    if (expected >= signedSize) return { index: expected, exact: true, text: `entry ${expected} is not covered by the latest signed checkpoint (size ${signedSize})` };
    const leaf = auditLeafHash(r.entry);
    if (!hashesEqual(leaf, r.leaf_hash)) return { index: expected, exact: true, text: `entry ${expected} does not hash to its stored leaf hash` };
    this.#chain = chainHash(this.#chain, leaf);
    if (!hashesEqual(this.#chain, r.chain_hash)) return { index: expected, exact: true, text: `the hash chain breaks at entry ${expected}` };
    return leaf;
  }

  async #noCheckpoint(): Promise<LogVerification> {
    const any = await this.#db.selectFrom('audit_log').select('seq').orderBy('seq').limit(1).executeTakeFirst();
    if (any !== undefined) this.#problems.push({ index: any.seq, exact: true, text: 'there are entries but no validly signed checkpoint' });
    const first = this.#problems.sort((a, b) => a.index - b.index)[0];
    return first ? { ok: false, firstBadIndex: first.index, problem: first.text } : { ok: true, size: 0, rootHash: emptyRoot(), checkpoints: 0 };
  }

  #outcome(tree: TreeRebuild, latest: StoredCheckpoint, count: number): LogVerification {
    const exact = this.#problems.filter((p) => p.exact).sort((a, b) => a.index - b.index);
    const first = exact[0] ?? [...this.#problems].sort((a, b) => a.index - b.index)[0];
    if (first !== undefined) return { ok: false, firstBadIndex: first.index, problem: first.text };
    return { ok: true, size: tree.size, rootHash: latest.rootHash, checkpoints: count };
  }
}
