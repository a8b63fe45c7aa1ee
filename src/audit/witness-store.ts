// A witness's memory, outside any log's database: for each log (by origin) the latest checkpoint
// it cosigned, as the signed note it served (the log's signature and its own cosignature), one
// file per log named by SHA-256 of the origin, replaced atomically. One process per directory
// (a lock file); updates of one origin are serialized so a check and its write are atomic
// (c2sp.org/tlog-witness §add-checkpoint: the rollback race).
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { lockDirectory } from '../shared/dir-lock.js';
import { KeyholeError } from '../shared/errors.js';
import { readTextIfExists, writeFileAtomic } from './atomic-file.js';

/** The hex SHA-256 of a log's origin: the key of its state, and the path segment of the
 *  monitoring endpoint (c2sp.org/tlog-witness §Monitor Retrieval Mechanism). */
export function originHash(origin: string): string {
  return createHash('sha256').update(origin, 'utf8').digest('hex');
}

/** File-backed latest-cosigned-checkpoint store. */
export class WitnessStore {
  readonly #dir: string;
  readonly #queues = new Map<string, Promise<unknown>>();
  #release: (() => Promise<void>) | undefined;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Opens (creating) `dir`/logs and locks `dir` for this process.
   *  @throws KeyholeError STORE_LOCKED when another process holds it. */
  static async open(dir: string): Promise<WitnessStore> {
    const store = new WitnessStore(path.resolve(dir));
    mkdirSync(path.join(store.#dir, 'logs'), { recursive: true, mode: 0o700 });
    try {
      store.#release = (await lockDirectory(store.#dir, { lockfilePath: path.join(store.#dir, 'witness.lock'), stale: 10_000, update: 2_000 })).release;
    } catch (cause) {
      throw new KeyholeError('STORE_LOCKED', `another witness process holds ${dir}`, { cause });
    }
    return store;
  }

  /** The note of the latest checkpoint cosigned for `origin`, or undefined. */
  latest(origin: string): string | undefined {
    return readTextIfExists(this.#file(origin));
  }

  /** The latest note by origin hash (64 lowercase hex digits), or undefined. */
  latestByHash(hash: string): string | undefined {
    return /^[0-9a-f]{64}$/.test(hash) ? readTextIfExists(path.join(this.#dir, 'logs', `${hash}.checkpoint`)) : undefined;
  }

  /** Runs `fn` with the current note of `origin` while no other update of that origin runs;
   *  when `fn` returns a note, it is stored durably before this resolves. */
  update<T>(origin: string, fn: (current: string | undefined) => { readonly store?: string; readonly result: T }): Promise<T> {
    const prev = this.#queues.get(origin) ?? Promise.resolve();
    const run = prev.then(() => {
      const out = fn(this.latest(origin));
      if (out.store !== undefined) writeFileAtomic(this.#file(origin), out.store);
      return out.result;
    });
    const tail = run.catch(() => undefined);
    this.#queues.set(origin, tail);
    void tail.then(() => { if (this.#queues.get(origin) === tail) this.#queues.delete(origin); });
    return run;
  }

  /** Releases the directory lock. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()]);
    await this.#release?.();
    this.#release = undefined;
  }

  #file(origin: string): string {
    return path.join(this.#dir, 'logs', `${originHash(origin)}.checkpoint`);
  }
}
