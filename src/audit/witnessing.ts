// Collecting cosignatures: after each checkpoint the integrator signs, every configured witness
// gets the newest one (older ones still in flight are superseded), with retries and backoff
// while it is unreachable; each verified cosignature is stored in tlog_cosignatures and served
// with the checkpoint. A witness that reports a larger cosigned tree than the log holds is
// evidence of a rollback: its checkpoint raises the published floor so the log will not sign
// a second history (published-head.ts). c2sp.org/tlog-witness; docs/design/tlog.md.
import type { Kysely } from 'kysely';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { openWitnessedCheckpoint } from '../shared/tlog/witness-policy.js';
import type { StoredCheckpoint } from './checkpoint-store.js';
import { LogReader } from './log-reader.js';
import type { LogIdentity } from './log-identity.js';
import type { PublishedHead } from './published-head.js';
import type { AuditTables } from './tables.js';
import { WitnessClient, type WitnessEndpoint } from './witness-client.js';

/** Options of Witnessing. */
export interface WitnessingOptions {
  readonly db: Kysely<AuditTables>;
  readonly identity: LogIdentity;
  readonly witnesses: readonly WitnessEndpoint[];
  readonly clock: Clock;
  /** Raised when a witness is ahead of the log (optional). */
  readonly published?: PublishedHead | undefined;
  /** Each failed submission (retried after a backoff). */
  readonly onError?: ((e: unknown) => void) | undefined;
  /** First retry delay and cap, in ms (defaults 1000 and 60000). */
  readonly retryMs?: readonly [first: number, max: number];
}

/** Submits checkpoints to witnesses, one loop per witness. */
export class Witnessing {
  readonly #opts: WitnessingOptions;
  readonly #loops: WitnessLoop[];
  readonly #reader: LogReader;

  constructor(opts: WitnessingOptions) {
    this.#opts = opts;
    this.#reader = new LogReader(opts.db);
    this.#loops = opts.witnesses.map((w) => new WitnessLoop(new WitnessClient(w), this));
  }

  /** Hands the newest signed checkpoint to every witness (returns at once). */
  notify(cp: StoredCheckpoint): void {
    for (const l of this.#loops) l.offer(cp);
  }

  /** Resolves when no submission is in progress or due (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.idle()));
  }

  /** Stops retrying and waits for submissions in flight. */
  async stop(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.stop()));
  }

  /** One submission of `cp` through `client`, storing the cosignature. */
  async submitOnce(client: WitnessClient, cp: StoredCheckpoint): Promise<void> {
    const out = await client.submit(cp.note, cp.size, async (from) => (await this.#reader.consistencyProof(from, cp.size)).proof);
    if (out.kind === 'cosigned') {
      await this.#opts.db.insertInto('tlog_cosignatures').values({
        size: cp.size, witness: client.endpoint.verifier.name, key_hash: out.keyHash, line: out.line, received_at: this.#opts.clock.now(),
      }).onConflict((oc) => oc.doNothing()).execute();
      return;
    }
    // The witness cosigned a larger tree than this one: keep its checkpoint as the floor.
    const note = await client.latest(this.#opts.identity.origin);
    if (note !== undefined && this.#opts.published !== undefined) {
      const { verifiers: verifier, origin } = this.#opts.identity;
      const w = openWitnessedCheckpoint(note, verifier, origin, { witnesses: [client.endpoint.verifier], quorum: 1 });
      if (w.checkpoint.size > cp.size) this.#opts.published.raise(note, `witness ${client.endpoint.verifier.name}`);
    }
    throw new KeyholeError('LOG_BEHIND_PUBLISHED', `witness ${client.endpoint.verifier.name} has cosigned a tree of ${out.size} entries; this log's checkpoint has ${cp.size}`, {
      details: { witness: client.endpoint.verifier.name, witnessSize: out.size, size: cp.size },
    });
  }

  /** Reports a failure. */
  report(e: unknown): void {
    this.#opts.onError?.(e);
  }

  get retryMs(): readonly [number, number] {
    return this.#opts.retryMs ?? [1000, 60_000];
  }
}

/** The submission loop of one witness: at most one request at a time, always the newest
 *  checkpoint, exponential backoff after a failure. */
class WitnessLoop {
  readonly #client: WitnessClient;
  readonly #owner: Witnessing;
  #target: StoredCheckpoint | undefined;
  #done: number | undefined;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay = 0;
  #stopped = false;

  constructor(client: WitnessClient, owner: Witnessing) {
    this.#client = client;
    this.#owner = owner;
  }

  offer(cp: StoredCheckpoint): void {
    if (this.#stopped || (this.#target !== undefined && cp.size < this.#target.size)) return;
    this.#target = cp;
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined; }
    this.#kick();
  }

  #kick(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#run().finally(() => { this.#running = undefined; });
  }

  async #run(): Promise<void> {
    while (!this.#stopped && this.#target !== undefined && this.#target.size !== this.#done) {
      const cp = this.#target;
      try {
        await this.#owner.submitOnce(this.#client, cp);
        this.#done = cp.size;
        this.#delay = 0;
      } catch (e) {
        this.#owner.report(e);
        const [first, max] = this.#owner.retryMs;
        this.#delay = Math.min(max, this.#delay === 0 ? first : this.#delay * 2);
        if (!this.#stopped && this.#target === cp) this.#timer = setTimeout(() => { this.#timer = undefined; this.#kick(); }, this.#delay);
        if (this.#target === cp) return;
      }
    }
  }

  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }
}

/** True when `e` says a witness holds a longer history than the log (a rollback). */
export const isRollbackEvidence = (e: unknown) => isKeyholeError(e, 'LOG_BEHIND_PUBLISHED') || isKeyholeError(e, 'WITNESS_INCONSISTENT');
