// Kubernetes-style probes (issue 18 part 3). /livez: the process answers (never touches the
// database, so a database outage does not restart every instance). /startupz: start-up has
// finished (migrations applied, keys checked, routes registered). /readyz: this instance should
// get traffic — the database answers, the keys are usable, every migration this version knows
// is applied, the log is integrating (LogHealth: no pending record older than
// KEYHOLE_LOG_MAX_LAG_S, no failed start-up check) and the instance is not shutting down; a
// 503 body names each failing check. /healthz stays as it was. docs/operations.md.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { readMigrations } from '../store/migrate.js';
import type { Runtime } from './runtime.js';

/** The shared state of one server process's life: started, then draining on SIGTERM. */
export class Lifecycle {
  #started = false;
  #draining = false;
  /** Marks start-up as finished. */
  started(): void {
    this.#started = true;
  }
  /** Marks the instance as shutting down: /readyz answers 503 from now on. */
  drain(): void {
    this.#draining = true;
  }
  get isStarted(): boolean {
    return this.#started;
  }
  get isDraining(): boolean {
    return this.#draining;
  }
}

/** One readiness check: ok, or the reason it is not. */
export interface CheckResult {
  readonly ok: boolean;
  readonly reason: string | null;
}

/** The /readyz body. */
export interface Readiness {
  readonly ready: boolean;
  /** The first failing check's reason, or null. */
  readonly reason: string | null;
  readonly checks: Readonly<Record<'database' | 'keys' | 'migrations' | 'log' | 'lifecycle', CheckResult>>;
}

const ok: CheckResult = Object.freeze({ ok: true, reason: null });
const fail = (reason: string): CheckResult => ({ ok: false, reason });

/** Bounds `p` by `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

/** Computes readiness; each check is bounded (2 s), key use is cached for 10 s, migrations once
 *  they are all applied. Never throws. */
export class ReadinessChecker {
  readonly #rt: Runtime;
  readonly #life: Lifecycle;
  #migrationsOk = false;
  #keys: { at: number; result: CheckResult } | undefined;

  constructor(rt: Runtime, life: Lifecycle) {
    this.#rt = rt;
    this.#life = life;
  }

  async check(): Promise<Readiness> {
    const [database, keys, migrations] = await Promise.all([this.#database(), this.#keysUsable(), this.#migrations()]);
    const h = this.#rt.logHealth.status();
    const log = h.serving && h.status === 'ok' ? ok : fail(`audit log ${h.status}${h.reason ? `: ${h.reason}` : ''}`);
    const lifecycle = this.#life.isDraining ? fail('shutting down') : !this.#life.isStarted ? fail('starting') : ok;
    const checks = { database, keys, migrations, log, lifecycle };
    const first = Object.values(checks).find((c) => !c.ok);
    return { ready: first === undefined, reason: first?.reason ?? null, checks };
  }

  async #database(): Promise<CheckResult> {
    try {
      await within(sql`select 1`.execute(this.#rt.db), 2000, 'the database');
      return ok;
    } catch (e) {
      return fail(`database: ${e instanceof Error ? e.message.slice(0, 200) : 'unavailable'}`);
    }
  }

  async #keysUsable(): Promise<CheckResult> {
    const now = Date.now();
    if (this.#keys && now - this.#keys.at < 10_000) return this.#keys.result;
    let result: CheckResult;
    try {
      // The provider's own round trip (wrap and unwrap on the token or in software; a lost
      // PKCS#11 session is re-opened there).
      result = (await within(this.#rt.keysUsable(), 2000, 'the key provider')) ? ok : fail('keys: the key provider does not answer');
    } catch (e) {
      result = fail(`keys: ${e instanceof Error ? e.message.slice(0, 200) : 'unavailable'}`);
    }
    this.#keys = { at: now, result };
    return result;
  }

  async #migrations(): Promise<CheckResult> {
    if (this.#migrationsOk) return ok;
    try {
      const known = readMigrations().map((m) => m.name);
      const r = await within(sql<{ name: string }>`select name from schema_migrations`.execute(this.#rt.db), 2000, 'the database');
      const applied = new Set(r.rows.map((x) => x.name));
      const missing = known.filter((n) => !applied.has(n));
      if (missing.length > 0) return fail(`migrations not applied: ${missing.join(', ')}`);
      this.#migrationsOk = true;
      return ok;
    } catch (e) {
      return fail(`migrations: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown'}`);
    }
  }
}

/** Registers /livez, /startupz and /readyz (public, hidden from the API docs, never cached). */
export function installProbes(app: FastifyInstance, rt: Runtime, life: Lifecycle): void {
  const readiness = new ReadinessChecker(rt, life);
  app.get('/livez', { schema: { hide: true } }, async (_req, reply) => reply.header('cache-control', 'no-store').send({ live: true }));
  app.get('/startupz', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('cache-control', 'no-store').status(life.isStarted ? 200 : 503).send({ started: life.isStarted }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const r = await readiness.check();
    return reply.header('cache-control', 'no-store').status(r.ready ? 200 : 503).send(r);
  });
}
