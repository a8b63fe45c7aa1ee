// Starts one shipper per configured SIEM sink (KEYHOLE_SIEM_CONFIG) over a runtime's database;
// `keyhole serve` and `keyhole siem run` use it.
import type { Clock } from '../../shared/clock.js';
import type { IntegrationDb } from '../tables.js';
import { siemConfigFromEnv, sinksOf } from './config.js';
import { SiemShipper } from './shipper.js';

/** The running shippers. */
export interface Siem {
  readonly shippers: readonly SiemShipper[];
  stop(): Promise<void>;
}

/** Opens the sinks of KEYHOLE_SIEM_CONFIG in `env` and starts their shippers (none configured:
 *  an empty Siem). They ship only while `active()` (default always; `keyhole serve` passes
 *  "this server leads the log's integration"). Errors of a sink go to `onError` (once per
 *  distinct message in a row). */
export function startSiem(db: IntegrationDb, clock: Clock, env: NodeJS.ProcessEnv, active: () => boolean = () => true, onError: (sink: string, e: unknown) => void = defaultReport()): Siem {
  const cfg = siemConfigFromEnv(env);
  const shippers = sinksOf(cfg, env).map((sink) => new SiemShipper(db, sink, clock, { batchSize: cfg.batchSize, pollMs: cfg.pollMs, active, onError: (e) => onError(sink.name, e) }));
  for (const s of shippers) s.start();
  return { shippers, stop: async () => { await Promise.all(shippers.map((s) => s.stop())); } };
}

function defaultReport(): (sink: string, e: unknown) => void {
  const last = new Map<string, string>();
  return (sink, e) => {
    const m = e instanceof Error ? e.message : String(e);
    if (last.get(sink) !== m) console.error(`keyhole: SIEM sink ${sink}: ${m} (retrying with backoff)`);
    last.set(sink, m);
  };
}
