// The latest signed checkpoint as one integrator process knows it: read from the database,
// authenticated with the log's key, and checked against the newest checkpoint this process has
// signed or seen, so a database rolled back or rewritten under it is refused instead of
// extended (the log never signs two inconsistent checkpoints). C2SP tlog-checkpoint.
import type { Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { openCheckpoint } from '../shared/tlog/checkpoint.js';
import { hashesEqual } from '../shared/tlog/hash.js';
import { proveConsistency } from '../shared/tlog/proofs.js';
import { verifyConsistency } from '../shared/tlog/proof-verify.js';
import { TileHashReader } from '../shared/tlog/tile-hash-reader.js';
import { latestCheckpoint, type StoredCheckpoint } from './checkpoint-store.js';
import type { LogIdentity } from './log-identity.js';
import type { AuditTables } from './tables.js';
import { DbTileReader } from './tile-store.js';

/** Tracks the log's head for one process. Not shared between processes: each keeps its own. */
export class LogHead {
  readonly #identity: LogIdentity;
  #known: StoredCheckpoint | undefined;

  constructor(identity: LogIdentity) {
    this.#identity = identity;
  }

  /** The newest checkpoint this process has signed or verified, if any. */
  get known(): StoredCheckpoint | undefined {
    return this.#known;
  }

  /** The latest stored checkpoint, or undefined when none was ever signed. A checkpoint not
   *  seen before MUST open with the log's key and origin, match its size and root columns,
   *  and extend the newest one known (consistency proof over the stored tiles).
   *  @throws KeyholeError LOG_VERIFY_FAILED otherwise (`details` carry both checkpoints). */
  async load(db: Kysely<AuditTables>): Promise<StoredCheckpoint | undefined> {
    const cp = await latestCheckpoint(db);
    const known = this.#known;
    if (cp === undefined) {
      if (known !== undefined) throw this.#inconsistent('the stored checkpoints vanished', known, undefined);
      return undefined;
    }
    if (known !== undefined && cp.note === known.note) return known; // the authenticated copy, not the columns
    this.#authenticate(cp);
    if (known !== undefined) await this.#checkExtends(db, known, cp);
    this.#known = cp;
    return cp;
  }

  /** Records a checkpoint this process signed, once its transaction committed. */
  signed(cp: StoredCheckpoint): void {
    if (this.#known === undefined || cp.size >= this.#known.size) this.#known = cp;
  }

  #authenticate(cp: StoredCheckpoint): void {
    try {
      const opened = openCheckpoint(cp.note, this.#identity.verifiers, this.#identity.origin).checkpoint;
      if (opened.size !== cp.size || !hashesEqual(opened.rootHash, cp.rootHash)) throw new Error('columns differ from the note');
    } catch (cause) {
      throw new KeyholeError('LOG_VERIFY_FAILED', `the stored checkpoint of size ${cp.size} does not verify`, { cause, details: { size: cp.size } });
    }
  }

  async #checkExtends(db: Kysely<AuditTables>, known: StoredCheckpoint, cp: StoredCheckpoint): Promise<void> {
    if (cp.size <= known.size) throw this.#inconsistent('the stored log is behind a checkpoint already signed', known, cp);
    try {
      const reader = new TileHashReader({ size: cp.size, rootHash: cp.rootHash }, new DbTileReader(db));
      verifyConsistency(known.size, cp.size, await proveConsistency(known.size, cp.size, reader), known.rootHash, cp.rootHash);
    } catch (cause) {
      throw this.#inconsistent('the stored log does not extend a checkpoint already signed', known, cp, cause);
    }
  }

  #inconsistent(message: string, known: StoredCheckpoint, found: StoredCheckpoint | undefined, cause?: unknown): KeyholeError {
    return new KeyholeError('LOG_VERIFY_FAILED', message, { cause, details: { known: known.note, found: found?.note } });
  }
}
