// Graceful shutdown of `keyhole serve` on SIGTERM/SIGINT (issue 18 part 3): report not ready
// at once (/readyz 503 "shutting down"), keep serving for KEYHOLE_SHUTDOWN_DELAY_S while load
// balancers notice (default 0), then stop accepting connections, finish the requests in flight
// (answered with `connection: close`), end event streams with a retry hint, stop the
// integrator and give up the leader lease so another instance takes over at once, flush the
// live events, and exit 0 — or exit 1 when all this took longer than KEYHOLE_SHUTDOWN_GRACE_S
// (default 10). docs/operations.md.
import type { FastifyInstance } from 'fastify';
import { KeyholeError } from '../shared/errors.js';
import type { Lifecycle } from './probes.js';
import type { Runtime } from './runtime.js';

/** Shutdown timing from the environment, in seconds. */
export interface ShutdownConfig {
  readonly graceS: number;
  readonly delayS: number;
}

/** KEYHOLE_SHUTDOWN_GRACE_S (default 10, 1–600) and KEYHOLE_SHUTDOWN_DELAY_S (default 0,
 *  0–300, less than the grace). @throws KeyholeError CONFIG_INVALID. */
export function shutdownConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ShutdownConfig {
  const num = (name: string, def: number, min: number, max: number) => {
    const v = env[name]?.trim();
    if (!v) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new KeyholeError('CONFIG_INVALID', `${name} must be a number of seconds from ${min} to ${max}.`);
    return n;
  };
  const graceS = num('KEYHOLE_SHUTDOWN_GRACE_S', 10, 1, 600);
  const delayS = num('KEYHOLE_SHUTDOWN_DELAY_S', 0, 0, 300);
  if (delayS >= graceS) throw new KeyholeError('CONFIG_INVALID', 'KEYHOLE_SHUTDOWN_DELAY_S must be shorter than KEYHOLE_SHUTDOWN_GRACE_S.');
  return { graceS, delayS };
}

/** Installs the SIGTERM/SIGINT handlers; `exit` is process.exit (tests may pass their own). */
export function installShutdown(app: FastifyInstance, rt: Runtime, life: Lifecycle, cfg: ShutdownConfig, exit: (code: number) => void = process.exit): void {
  let started = false;
  const stop = async (signal: string) => {
    if (started) return;
    started = true;
    const t0 = Date.now();
    const say = (event: string, extra: Record<string, unknown> = {}) =>
      console.error(`keyhole: ${JSON.stringify({ event, signal, instance: rt.instanceId, elapsedMs: Date.now() - t0, ...extra })}`);
    say('shutdown_started', { graceS: cfg.graceS, delayS: cfg.delayS });
    life.drain();
    const timer = setTimeout(() => {
      say('shutdown_grace_exceeded');
      exit(1);
    }, cfg.graceS * 1000);
    timer.unref();
    try {
      if (cfg.delayS > 0) await new Promise((r) => setTimeout(r, cfg.delayS * 1000));
      await app.close(); // stop accepting, finish in-flight requests, end SSE streams (retry hint)
      await rt.close(); // stop integrating, release the leader lease, flush live events
      say('shutdown_done');
      exit(0);
    } catch (e) {
      say('shutdown_failed', { error: e instanceof Error ? e.message : String(e) });
      exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
