// The composition root: opens the store, the key provider, the vault and the policy, and
// wires the broker and the log integrator. Used by `keyhole serve`, the CLI and the tests.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Broker } from '../access/broker.js';
import { BrokerEvents } from '../access/events.js';
import { ClusterEvents, newInstanceId } from '../access/cluster-events.js';
import { suspensionGuard, type AccessGuard } from '../access/guard.js';
import type { BrokerDb } from '../access/model.js';
import { Integrator, reportOnce } from '../audit/integrator.js';
import { leadershipChanged } from '../audit/leader-metrics.js';
import { LogHealth, maxLagFromEnv, type LogHealthState } from '../audit/log-health.js';
import { checkLogAtStartup } from '../audit/startup-check.js';
import type { AuditTables } from '../audit/tables.js';
import { latestCheckpoint } from '../audit/checkpoint-store.js';
import { PublishedHead } from '../audit/published-head.js';
import { witnessSetupFromEnv, type WitnessSetup } from '../audit/witness-config.js';
import { Witnessing } from '../audit/witnessing.js';
import { checkWitnessesAtStartup } from '../audit/startup-witness-check.js';
import { verifierPolicy } from '../audit/witness-policy-source.js';
import { logOriginFromEnv, openLogIdentity } from '../audit/log-identity.js';
import { KeyholeError } from '../shared/errors.js';
import type { DetectDb } from '../detect/containment.js';
import { createDetection, type Detection } from '../detect/detection.js';
import { PolicyEngine } from '../policy/engine.js';
import { systemClock, type Clock, type FixedClock } from '../shared/clock.js';
import { controlledClockFromEnv } from './bench-clock.js';
import { openStore, type Store } from '../store/store.js';
import type { KeyProvider } from '../vault/key-provider.js';
import { checkKeysAgainst, keysUsable, openKeysFor } from '../vault/key-custody.js';
import type { VaultDb } from '../vault/tables.js';
import { Vault } from '../vault/vault.js';
import { groupCommitFromEnv } from '../audit/group-commit-config.js';
import { detectWorkerFromEnv, type ConsumerRunner } from '../detect/consumer-thread.js';
import { openIncidentsOnContainment } from '../incident/auto-open.js';
import type { IncidentDb } from '../incident/model.js';

/** Where and how to run. */
export interface RuntimeConfig {
  /** PostgreSQL URL; when absent, PGlite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** Data directory (PGlite files, key file); default `./.keyhole/data`. `':memory:'` keeps
   *  PGlite in memory (tests; the key provider then needs `keys` or KEYHOLE_MASTER_KEY). */
  readonly dataDir?: string | undefined;
  readonly keys?: KeyProvider | undefined;
  readonly clock?: Clock | undefined;
  readonly guard?: AccessGuard | undefined;
  /** In-line guard and detectors (default on); false runs with the bare suspension guard. */
  readonly detect?: boolean | undefined;
  /** Run the integrator loop in this process (default true). */
  readonly integrate?: boolean | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly poolSize?: number | undefined;
  /** Check the log at start-up and withhold customer data while integration fails or lags
   *  beyond KEYHOLE_LOG_MAX_LAG_S (default: when `integrate` is on, i.e. in `keyhole serve`). */
  readonly logHealth?: boolean | undefined;
}

/** A running Keyhole core. */
export interface Runtime {
  readonly store: Store;
  readonly db: BrokerDb;
  readonly clock: Clock;
  /** The clock a benchmark moves (KEYHOLE_CLOCK=controlled in test/bench mode), when it is one. */
  readonly controlledClock?: FixedClock | undefined;
  readonly keys: KeyProvider;
  readonly vault: Vault;
  readonly policy: PolicyEngine;
  readonly events: BrokerEvents;
  readonly broker: Broker;
  readonly integrator: Integrator;
  /** The log's witnesses (KEYHOLE_WITNESSES) and its witness policy. */
  readonly witnesses: WitnessSetup;
  /** The newest checkpoint published, kept outside the database; the integrator never signs behind it. */
  readonly published: PublishedHead;
  /** Submits each new checkpoint to the witnesses (undefined without witnesses). */
  readonly witnessing: Witnessing | undefined;
  /** The detect module's guard, log consumer and webhook (undefined when turned off). */
  readonly detection: Detection | undefined;
  /** Whether customer data may be served, given the log's state (src/audit/log-health.ts);
   *  `logHealth.status()` is what a readiness probe reports. */
  readonly logHealth: LogHealth;
  readonly dataDir: string | undefined;
  /** This server's unique name among the instances on one database (host-pid-random). */
  readonly instanceId: string;
  /** True while the key provider answers (the HSM is reachable; a lost session is re-opened);
   *  what a readiness probe should also require. Never throws. */
  keysUsable(): Promise<boolean>;
  close(): Promise<void>;
}

/** The default data directory, `./.keyhole/data`. */
export const DEFAULT_DATA_DIR = path.resolve('.keyhole', 'data');

/** Opens everything. The policy loads first, so an invalid policy stops start-up before the
 *  database is touched. @throws KeyholeError POLICY_INVALID, STORE_LOCKED, MIGRATION_CHECKSUM. */
export async function createRuntime(cfg: RuntimeConfig = {}): Promise<Runtime> {
  const policy = await PolicyEngine.load();
  const memory = cfg.dataDir === ':memory:';
  const dataDir = memory ? undefined : path.resolve(cfg.dataDir ?? DEFAULT_DATA_DIR);
  const store = await openStore({ databaseUrl: cfg.databaseUrl, dataDir: cfg.databaseUrl ? undefined : dataDir, poolSize: cfg.poolSize });
  const db = store.db as BrokerDb;
  // KEYHOLE_CLOCK=controlled (test/bench mode only; start-up fails otherwise): src/server/bench-clock.ts.
  const controlledClock = cfg.clock ? undefined : controlledClockFromEnv(cfg.env ?? process.env);
  const clock = cfg.clock ?? controlledClock ?? systemClock;
  // The keys are checked against the database before anything else is created (a wrong
  // KEYHOLE_MASTER_KEY or token stops start-up instead of failing every verify; no stray key file).
  let keys: KeyProvider;
  try {
    if (cfg.keys) await checkKeysAgainst(db as unknown as VaultDb, cfg.keys);
    keys = cfg.keys ?? (await openKeysFor(db as unknown as VaultDb, { dataDir, env: cfg.env ?? process.env }));
  } catch (e) {
    await store.close();
    throw e;
  }
  const ownKeys = cfg.keys === undefined;
  const vault = new Vault(keys, { clock });
  const env = cfg.env ?? process.env;
  const instanceId = newInstanceId();
  // On PostgreSQL every server sees every event (LISTEN/NOTIFY plus cluster_events); on PGlite
  // the one process keeps them in memory.
  const events = store.capabilities.kind === 'postgres' && cfg.databaseUrl
    ? new ClusterEvents({ db: store.db, connectionString: cfg.databaseUrl, instanceId, onError: reportEventsError() })
    : new BrokerEvents();
  const detection = cfg.detect === false ? undefined : createDetection(db as unknown as DetectDb, clock, events, env);
  const detectThread = detectWorkerFromEnv(detection, cfg.databaseUrl, store.capabilities.kind, env, events);
  const consumer: ConsumerRunner | undefined = detectThread ?? detection?.consumer;
  const logHealth = new LogHealth({ db: db as unknown as Kysely<AuditTables>, clock, maxLagMs: maxLagFromEnv(env), onChange: (s) => raiseLogAlert(s, events, detection) });
  const watchLog = cfg.logHealth ?? cfg.integrate !== false;
  const commits = groupCommitFromEnv(db, env, store.capabilities.concurrentConnections);
  const broker = new Broker({ db, vault, policy, clock, guard: cfg.guard ?? detection?.guard ?? suspensionGuard, events, ...(watchLog ? { logGate: logHealth } : {}), ...(commits ? { commits } : {}) });
  const witnesses = witnessSetupFromEnv(env);
  const witnessPolicyOfVerifiers = verifierPolicy({}, env, witnesses); // KEYHOLE_WITNESS_POLICY, else the witnesses'
  const identity = await openLogIdentity(keys, logOriginFromEnv(env));
  await identity.refresh(db as never, clock.now(), 0); // the checkpoint key versions (rotation)
  const published = new PublishedHead({ file: publishedFile(env, dataDir), identity, clock, overrideSize: overrideFromEnv(env) });
  const witnessing = witnesses.endpoints.length === 0 ? undefined
    : new Witnessing({ db: db as never, identity, witnesses: witnesses.endpoints, clock, published, onError: reportWitnessError() });
  // The detectors run right after each integration batch (every 250 ms while busy); each new
  // checkpoint goes to the witnesses.
  const report = reportOnce();
  const integrator = await Integrator.open(store, keys, {
    env, clock, signGate: published, instanceId, identity,
    onLeadership: (leader) => leadershipChanged(leader, instanceId, (integrator?.leaderLock as { epoch?: number } | undefined)?.epoch), onCheckpoint: (cp) => { consumer?.kick(); witnessing?.notify(cp); },
    onError: (e) => {
      report(e);
      logHealth.integrationError(e);
    },
  });
  if (watchLog) {
    const check = await checkLogAtStartup(db as unknown as Kysely<AuditTables>, { verifier: integrator.identity.verifiers, origin: integrator.identity.origin });
    if (!check.ok) logHealth.failed(`start-up check: ${check.problem}`);
    logHealth.start();
    // In the background: the database against what the witnesses cosigned (witness.ts's truncation).
    void checkWitnessesAtStartup({
      db: db as unknown as Kysely<AuditTables>, identity, policy: witnessPolicyOfVerifiers, failed: (r) => logHealth.failed(r),
      publishedNote: () => published.floor?.note, warn: (m) => console.error(`keyhole: witness check: ${m}`),
    });
  }
  if (cfg.integrate !== false) {
    integrator.start();
    const latest = witnessing && (await latestCheckpoint(db as never));
    if (latest) witnessing!.notify(latest); // cosignatures missing from before a restart
  }
  // Every automatic containment opens an incident (blast radius, protections, notifications).
  const stopIncidents = openIncidentsOnContainment(events, { db: db as unknown as IncidentDb, clock, events });
  // last, so a failed start-up leaves no listening connection behind
  if (events instanceof ClusterEvents) await events.start();
  return {
    store, db, clock, controlledClock, keys, vault, policy, events, broker, integrator, witnesses, published, witnessing, detection, logHealth, dataDir, instanceId,
    keysUsable: () => keysUsable(keys),
    async close() {
      stopIncidents();
      await commits?.close();
      await logHealth.stop();
      await integrator.stop();
      await witnessing?.stop();
      await consumer?.idle();
      await detectThread?.close();
      if (events instanceof ClusterEvents) await events.stop();
      await store.close();
      if (ownKeys) await keys.close();
    },
  };
}

/** The alert of a change in the log's health: stderr (operators' log collection), the security
 *  staff's live feed, and the alert webhook (KEYHOLE_ALERT_WEBHOOK) when configured. */
function raiseLogAlert(s: LogHealthState, events: BrokerEvents, detection: Detection | undefined): void {
  const line = { alert: 'log_health', serving: s.serving, status: s.status, reason: s.reason, since: s.since };
  console.error(`keyhole: ${s.serving ? 'audit log recovered; serving customer data again' : 'ALERT: customer data withheld'} ${JSON.stringify(line)}`);
  events.publish({ type: 'log_health', serving: s.serving, status: s.status, reason: s.reason, since: s.since });
  detection?.webhook?.send({ kind: 'log_health', ...line });
}

/** Where the published checkpoint is kept: KEYHOLE_PUBLISHED_CHECKPOINT_FILE, else
 *  `<dataDir>/published-checkpoint` (none for an in-memory run). */
function publishedFile(env: NodeJS.ProcessEnv, dataDir: string | undefined): string | undefined {
  const file = env.KEYHOLE_PUBLISHED_CHECKPOINT_FILE?.trim();
  if (file) return path.resolve(file);
  return dataDir === undefined ? undefined : path.join(dataDir, 'published-checkpoint');
}

/** KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT: the published size the operator allows signing behind.
 *  @throws KeyholeError BAD_REQUEST when it is not a whole number. */
function overrideFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT?.trim();
  if (!v) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT must be the published size to override.');
  return Number(v);
}

/** Errors of the shared event transport on stderr, each distinct message once in a row. */
function reportEventsError(): (e: unknown) => void {
  let last = '';
  return (e) => {
    const message = e instanceof Error ? e.message : String(e);
    if (message !== last) console.error(`keyhole: live events: ${message} (retrying)`);
    last = message;
  };
}

/** Witness failures on stderr, each distinct message once in a row. */
function reportWitnessError(): (e: unknown) => void {
  let last = '';
  return (e) => {
    const message = e instanceof Error ? e.message : String(e);
    if (message !== last) console.error(`keyhole: witness: ${message}`);
    last = message;
  };
}
