// The newest checkpoint this log has published, kept OUTSIDE its database (a file, replaced
// atomically) and raised by what witnesses report they cosigned, and the rule built on it:
// the integrator MUST NOT sign a checkpoint below it, a different root at its size, or a larger
// tree that does not extend it — a database restored to an older point, or truncated by its
// superuser, cannot be signed over into a second history. Only an explicit operator override
// naming the published size (KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT) lets it sign, and that
// override is itself appended to the log. Issue 18 §5; docs/design/tlog.md.
import { KeyholeError } from '../shared/errors.js';
import { encodeBase64 } from '../shared/tlog/base64.js';
import { openCheckpoint } from '../shared/tlog/checkpoint.js';
import { hashesEqual } from '../shared/tlog/hash.js';
import { isValidConsistency } from '../shared/tlog/proof-verify.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { readTextIfExists, writeFileAtomic } from './atomic-file.js';
import type { StoredCheckpoint } from './checkpoint-store.js';
import type { LogIdentity } from './log-identity.js';

/** What the integrator asks before signing (see integrateBatch). */
export interface SignGate {
  /** Checks a tree of `size` leaves with root `root` against the published floor; `prove(from)`
   *  gives the RFC 6962 consistency proof from size `from` of the same tree. Resolves to an
   *  override record to append to this batch when the operator override allows a violation.
   *  @throws KeyholeError LOG_BEHIND_PUBLISHED on a violation without a matching override. */
  check(size: number, root: Uint8Array, prove: (from: number) => Promise<readonly Uint8Array[]>): Promise<AuditRecord | undefined>;
  /** Records a checkpoint that committed (and is now served). */
  published(cp: StoredCheckpoint): void;
}

/** The floor: a checkpoint note opened with the log's key, and where it came from. */
interface Floor {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
}

/** Options of PublishedHead. */
export interface PublishedHeadOptions {
  /** The file holding the newest published checkpoint note; undefined keeps it in memory only
   *  (tests and `:memory:` runs). */
  readonly file: string | undefined;
  readonly identity: LogIdentity;
  readonly clock: Clock;
  /** The published size the operator allows signing behind (KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT);
   *  it applies only while the floor has exactly this size. */
  readonly overrideSize?: number | undefined;
}

/** The published-checkpoint floor of one server process. */
export class PublishedHead implements SignGate {
  readonly #opts: PublishedHeadOptions;
  #floor: Floor | undefined;
  #loaded = false;
  /** The size of the checkpoint an override allowed, until it is published. */
  #overriddenAt: number | undefined;

  constructor(opts: PublishedHeadOptions) {
    this.#opts = opts;
  }

  /** The floor now (the file is read once, then kept). @throws KeyholeError LOG_BEHIND_PUBLISHED
   *  when the file exists but does not open with the log's key: fail closed. */
  get floor(): Floor | undefined {
    if (!this.#loaded) {
      const note = this.#opts.file === undefined ? undefined : readTextIfExists(this.#opts.file);
      this.#floor = note === undefined ? undefined : this.#open(note, 'the published-checkpoint file');
      this.#loaded = true;
    }
    return this.#floor;
  }

  async check(size: number, root: Uint8Array, prove: (from: number) => Promise<readonly Uint8Array[]>): Promise<AuditRecord | undefined> {
    const floor = this.floor;
    if (floor === undefined) return undefined;
    let problem: string | undefined;
    if (size < floor.size) problem = `the tree of ${size} is behind the published checkpoint of ${floor.size}`;
    else if (size === floor.size && !hashesEqual(root, floor.rootHash)) problem = `the tree of ${size} has another root than the published checkpoint of that size`;
    else if (size > floor.size && !isValidConsistency(floor.size, size, await prove(floor.size), floor.rootHash, root)) {
      problem = `the tree of ${size} does not extend the published checkpoint of ${floor.size}`;
    }
    if (problem === undefined) return undefined;
    if (this.#opts.overrideSize !== floor.size) {
      throw new KeyholeError('LOG_BEHIND_PUBLISHED', `${problem}; refusing to sign (an operator may allow it once with KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT=${floor.size}, which is recorded on the log)`, {
        details: { publishedSize: floor.size, size },
      });
    }
    this.#overriddenAt = size + 1;
    return this.#overrideRecord(floor, size, problem);
  }

  published(cp: StoredCheckpoint): void {
    const floor = this.floor;
    const overridden = this.#overriddenAt !== undefined && cp.size >= this.#overriddenAt;
    if (!overridden && floor !== undefined && cp.size <= floor.size) return;
    this.#store({ size: cp.size, rootHash: cp.rootHash, note: cp.note });
    if (overridden) this.#overriddenAt = undefined;
  }

  /** Raises the floor to a checkpoint a witness reports it cosigned (a note that MUST open with
   *  the log's key); a smaller one is ignored. Returns true when the floor rose.
   *  @throws KeyholeError LOG_BEHIND_PUBLISHED when the note does not open. */
  raise(note: string, source: string): boolean {
    const cp = this.#open(note, source);
    const floor = this.floor;
    if (floor !== undefined && cp.size <= floor.size) return false;
    this.#store(cp);
    return true;
  }

  #store(floor: Floor): void {
    if (this.#opts.file !== undefined) writeFileAtomic(this.#opts.file, floor.note);
    this.#floor = floor;
    this.#loaded = true;
  }

  #open(note: string, source: string): Floor {
    try {
      const { checkpoint } = openCheckpoint(note, this.#opts.identity.verifiers, this.#opts.identity.origin);
      return { size: checkpoint.size, rootHash: checkpoint.rootHash, note };
    } catch (cause) {
      throw new KeyholeError('LOG_BEHIND_PUBLISHED', `${source} does not hold a checkpoint of this log; refusing to sign until it is fixed`, { cause });
    }
  }

  #overrideRecord(floor: Floor, size: number, problem: string): AuditRecord {
    return {
      v: 1, time: this.#opts.clock.now().toISOString(), requestId: `log-override-${floor.size}-${size}`, action: 'log_override',
      agentId: null, customerId: null, ticketId: null, decision: 'allow', fields: {}, policyIds: [],
      reason: `operator override KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT=${floor.size}: ${problem}`,
      details: { publishedSize: floor.size, publishedRoot: encodeBase64(floor.rootHash), signedSize: size + 1 },
    };
  }
}
