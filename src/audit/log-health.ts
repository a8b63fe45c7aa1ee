// Fail closed when the log cannot keep its promise (issue 10 item 5): customer data is served
// only while the start-up check passed, integration has not failed verification, and the
// oldest acknowledged record waiting in audit_pending is younger than `maxLagMs`. Lag is
// measured by the database clock (every server agrees), so followers that do not integrate
// see it too. A lag that clears recovers by itself; a verification failure needs a human (and
// a restart, which checks again). Every change of state raises an alert through `onChange`.
import { sql, type Kysely } from 'kysely';
import { systemClock, type Clock } from '../shared/clock.js';
import { KeyholeError, isKeyholeError } from '../shared/errors.js';
import type { AuditTables } from './tables.js';

/** Why customer data is withheld, or 'ok'. */
export type LogHealthStatus = 'ok' | 'lagging' | 'failed';

/** A snapshot of the log's health (no customer data). */
export interface LogHealthState {
  /** True while customer data may be returned. */
  readonly serving: boolean;
  readonly status: LogHealthStatus;
  /** What is wrong, for operators (positions and figures only). */
  readonly reason: string | null;
  /** Age in ms of the oldest pending record at the last poll (null: none pending). */
  readonly lagMs: number | null;
  /** The configured limit in ms. */
  readonly maxLagMs: number;
  /** When the current status began and when the database was last polled (ISO 8601). */
  readonly since: string;
  readonly checkedAt: string | null;
}

/** Options. */
export interface LogHealthOptions {
  readonly db: Kysely<AuditTables>;
  /** Oldest pending record allowed before customer data is withheld, in ms (default 60 000). */
  readonly maxLagMs?: number;
  /** Poll interval in ms (default min(5 000, maxLagMs / 4), at least 100). */
  readonly pollMs?: number;
  /** Called on every change of state (the alert). MUST NOT throw. */
  readonly onChange?: (state: LogHealthState) => void;
  readonly clock?: Clock;
}

/** The default lag limit: one minute. */
export const DEFAULT_MAX_LAG_MS = 60_000;

/** KEYHOLE_LOG_MAX_LAG_S (seconds, > 0) in ms, or the default.
 *  @throws KeyholeError BAD_REQUEST on a value that is not a positive number. */
export function maxLagFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const v = env.KEYHOLE_LOG_MAX_LAG_S;
  if (v === undefined || v.trim() === '') return DEFAULT_MAX_LAG_MS;
  const s = Number(v);
  if (!Number.isFinite(s) || s <= 0) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_LOG_MAX_LAG_S must be a positive number of seconds.');
  return Math.round(s * 1000);
}

/** The health of the log as one server sees it. */
export class LogHealth {
  readonly #db: Kysely<AuditTables>;
  readonly #maxLagMs: number;
  readonly #pollMs: number;
  readonly #onChange: ((s: LogHealthState) => void) | undefined;
  readonly #clock: Clock;
  #failure: string | null = null; // sticky: verification failed
  #lag: { readonly lagMs: number | null; readonly at: Date } | undefined;
  #state: LogHealthState;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(opts: LogHealthOptions) {
    this.#db = opts.db;
    this.#maxLagMs = opts.maxLagMs ?? DEFAULT_MAX_LAG_MS;
    this.#pollMs = opts.pollMs ?? Math.max(100, Math.min(5_000, this.#maxLagMs / 4));
    this.#onChange = opts.onChange;
    this.#clock = opts.clock ?? systemClock;
    this.#state = { serving: true, status: 'ok', reason: null, lagMs: null, maxLagMs: this.#maxLagMs, since: this.#clock.now().toISOString(), checkedAt: null };
  }

  /** The current state (for /readyz and the security dashboard). */
  status(): LogHealthState {
    return this.#state;
  }

  /** @throws KeyholeError LOG_UNHEALTHY (503) while customer data is withheld. */
  assertServing(): void {
    if (!this.#state.serving) throw new KeyholeError('LOG_UNHEALTHY', undefined, { details: { status: this.#state.status } });
  }

  /** Records a failed start-up check or a verification failure of integration: withheld
   *  until restart. */
  failed(reason: string): void {
    this.#failure ??= reason;
    this.#update();
  }

  /** Feeds an error of the integration loop: LOG_VERIFY_FAILED means the stored log does not
   *  check out (sticky); anything else shows up as lag if it persists. */
  integrationError(e: unknown): void {
    if (isKeyholeError(e, 'LOG_VERIFY_FAILED')) this.failed(`integration failed verification: ${e.message}`);
  }

  /** Measures the lag once. Database errors leave the state as it was (an outage answers
   *  503 on its own). */
  poll(): Promise<void> {
    this.#polling ??= this.#measure().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /** Starts polling every `pollMs` (idempotent). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.poll(), this.#pollMs);
    this.#timer.unref();
    void this.poll();
  }

  /** Stops polling and waits for a poll in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  async #measure(): Promise<void> {
    try {
      const r = await sql<{ lag_ms: number | null }>`
        select (extract(epoch from (now() - (select created_at from audit_pending order by id limit 1))) * 1000)::float8 as lag_ms`.execute(this.#db);
      const lag = r.rows[0]?.lag_ms;
      this.#lag = { lagMs: lag === null || lag === undefined ? null : Math.max(0, Math.round(Number(lag))), at: this.#clock.now() };
      this.#update();
    } catch {
      // unreachable database: requests fail with 503 DATABASE_UNAVAILABLE meanwhile
    }
  }

  #update(): void {
    const lagMs = this.#lag?.lagMs ?? null;
    const lagging = lagMs !== null && lagMs > this.#maxLagMs;
    const status: LogHealthStatus = this.#failure !== null ? 'failed' : lagging ? 'lagging' : 'ok';
    const reason = this.#failure ?? (lagging ? `the oldest acknowledged record has waited ${Math.round(lagMs / 1000)} s for integration (limit ${Math.round(this.#maxLagMs / 1000)} s)` : null);
    const prev = this.#state;
    const checkedAt = this.#lag?.at.toISOString() ?? prev.checkedAt;
    this.#state = { serving: status === 'ok', status, reason, lagMs, maxLagMs: this.#maxLagMs, since: status === prev.status ? prev.since : this.#clock.now().toISOString(), checkedAt };
    if (status !== prev.status) {
      try {
        this.#onChange?.(this.#state);
      } catch {
        // an alert sink must not break the health check
      }
    }
  }
}
