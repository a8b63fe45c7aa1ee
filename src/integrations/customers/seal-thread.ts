// Where an import batch is checked and sealed (seal-rows.ts): in-process, or in a worker thread
// so that on a large file the main thread only reads rows and writes batches while the worker
// parses and encrypts the next one. The worker holds no key of the key provider: it makes data
// keys and seals fields; wrapping and blind indexes stay with the provider in the main thread.
import { Worker } from 'node:worker_threads';
import type { SourceRow } from './sources.js';
import { sealRows } from './seal-rows.js';

/** Seals batches of rows; `close` MUST be called (it ends the worker, if any). */
export interface RowSealer {
  seal(rows: readonly SourceRow[], mode: 'json' | 'text'): Promise<ReturnType<typeof sealRows>>;
  close(): Promise<void>;
}

/** Rows the in-process sealer seals between two yields to the event loop (~15 ms of work). */
const IN_PROCESS_CHUNK = 100;

/** Seals in the calling thread (small files, tests), IN_PROCESS_CHUNK rows at a time with a
 *  yield to the event loop in between, so a write running meanwhile keeps going. */
export const inProcessSealer: RowSealer = {
  seal: async (rows, mode) => {
    const out: ReturnType<typeof sealRows> = { checked: [], refused: [] };
    for (let i = 0; i < rows.length; i += IN_PROCESS_CHUNK) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const part = sealRows(rows.slice(i, i + IN_PROCESS_CHUNK), mode);
      out.checked.push(...part.checked);
      out.refused.push(...part.refused);
    }
    return out;
  },
  close: async () => undefined,
};

/** The worker's young generation: sealing a batch allocates a few MB of short-lived buffers and
 *  strings; with V8's default size the scavenger took ~23 % of the worker's time (CPU profile). */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 } as const;

type Reply = { id: number; result: ReturnType<typeof sealRows> } | { id: number; error: string };

/** Seals in one worker thread, one request at a time in order of submission. */
export class SealThread implements RowSealer {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: ReturnType<typeof sealRows>) => void; reject: (e: Error) => void }>();
  readonly #ready: Promise<void>;
  #next = 1;
  #failed: Error | undefined;

  constructor() {
    // Run from source (tsx registers its loader in the worker first: hooks are per thread) or
    // from the build (dist/), like src/detect/consumer-thread.ts.
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './seal-worker.ts' : './seal-worker.js', import.meta.url);
    this.#worker = fromSource
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, resourceLimits: WORKER_LIMITS })
      : new Worker(file, { resourceLimits: WORKER_LIMITS });
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return resolve();
        const w = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        if ('error' in m) w?.reject(new Error(`sealing failed: ${m.error}`));
        else w?.resolve(m.result);
      });
      const fail = (e: Error) => {
        this.#failed = e;
        reject(e);
        for (const w of this.#waiting.values()) w.reject(e);
        this.#waiting.clear();
      };
      this.#worker.on('error', fail);
      this.#worker.on('exit', (code) => fail(new Error(`the seal worker exited (${code})`)));
    });
    this.#ready.catch(() => undefined);
  }

  async seal(rows: readonly SourceRow[], mode: 'json' | 'text'): Promise<ReturnType<typeof sealRows>> {
    await this.#ready;
    if (this.#failed) throw this.#failed;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, rows, mode });
    });
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    for (const w of this.#waiting.values()) w.reject(new Error('the seal worker was closed'));
    this.#waiting.clear();
    await this.#worker.terminate();
  }
}
