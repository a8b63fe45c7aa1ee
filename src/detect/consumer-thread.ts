// The detectors off the request event loop (issue 13): the log consumer (DetectConsumer) run
// in a worker thread with its own connections, on PostgreSQL, when KEYHOLE_DETECT_WORKER=1.
// The server kicks it after each integration batch as it kicks the in-process consumer, and
// publishes the events it posts (alerts, containments) on its own BrokerEvents, so the
// dashboard, incidents and other servers see them exactly as before. Same offsets, same state,
// same single transaction per batch: only the thread differs. docs/design/perf.md.
import { Worker } from 'node:worker_threads';
import type { BrokerEvent, BrokerEvents } from '../access/events.js';
import type { DetectConfig } from './config.js';
import type { ConsumerWorkerData } from './consumer-worker.js';

/** What the runtime asks of a consumer. */
export interface ConsumerRunner {
  /** Asks for a drain soon; never throws. */
  kick(): void;
  /** Waits for runs in progress and queued kicks. */
  idle(): Promise<void>;
  /** Stops (after idle); no-op for the in-process consumer. */
  close?(): Promise<void>;
}

/** The consumer in a worker thread. `error` reports a worker that failed (it is restarted on
 *  the next kick). */
export class DetectConsumerThread implements ConsumerRunner {
  readonly #data: ConsumerWorkerData;
  readonly #events: BrokerEvents;
  readonly #onError: (e: unknown) => void;
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  #next = 0;
  readonly #waiting = new Map<number, () => void>();

  constructor(opts: { databaseUrl: string; config: DetectConfig; webhookUrl?: string | undefined; events: BrokerEvents; onError?: (e: unknown) => void }) {
    this.#data = { databaseUrl: opts.databaseUrl, config: opts.config, webhookUrl: opts.webhookUrl };
    this.#events = opts.events;
    this.#onError = opts.onError ?? (() => undefined);
  }

  /** Starts the worker and waits until it is ready. */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    // Run from source (tsx: the worker inherits its loader through execArgv) or from the build.
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './consumer-worker.ts' : './consumer-worker.js', import.meta.url);
    // From source the worker registers tsx's loader itself first (loader hooks are per thread).
    const worker = fromSource
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })`,
        { eval: true, workerData: this.#data })
      : new Worker(file, { workerData: this.#data });
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      worker.on('message', (m: { type: 'ready' } | { type: 'event'; event: BrokerEvent } | { type: 'idle' | 'closed'; id: number }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'event') this.#events.publish(m.event);
        else this.#settle(m.id);
      });
      worker.on('error', (e) => {
        this.#onError(e);
        reject(e);
      });
      worker.on('exit', () => {
        this.#worker = undefined;
        this.#ready = undefined;
        for (const id of [...this.#waiting.keys()]) this.#settle(id);
      });
    });
    return this.#ready;
  }

  kick(): void {
    void this.start().then(() => this.#worker?.postMessage({ type: 'kick' }), () => undefined);
  }

  async idle(): Promise<void> {
    if (!this.#worker) return;
    await this.#ask('idle');
  }

  async close(): Promise<void> {
    if (!this.#worker) return;
    await this.#ask('close');
    await this.#worker?.terminate();
  }

  #ask(type: 'idle' | 'close'): Promise<void> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#worker?.postMessage({ type, id });
    });
  }

  #settle(id: number): void {
    this.#waiting.get(id)?.();
    this.#waiting.delete(id);
  }
}

/** The worker-thread consumer when KEYHOLE_DETECT_WORKER is `1`/`on`/`true`, detection is on
 *  and the database is PostgreSQL (PGlite lives in the server's own thread); else undefined. */
export function detectWorkerFromEnv(
  detection: { readonly config: DetectConfig } | undefined, databaseUrl: string | undefined, kind: 'postgres' | 'pglite',
  env: Readonly<Record<string, string | undefined>>, events: BrokerEvents,
): DetectConsumerThread | undefined {
  const on = ['1', 'on', 'true'].includes((env.KEYHOLE_DETECT_WORKER ?? '').toLowerCase());
  if (!on || !detection || kind !== 'postgres' || !databaseUrl) return undefined;
  return new DetectConsumerThread({
    databaseUrl, config: detection.config, webhookUrl: env.KEYHOLE_ALERT_WEBHOOK, events,
    onError: (e) => console.error(`keyhole: detector worker failed: ${e instanceof Error ? e.message : String(e)}`),
  });
}
