// The detector consumer: reads audit_log in sequence order from its stored offset, runs the
// detection engine, and in ONE transaction stores the new offset, the changed engine state,
// the alerts, the agents' risk and any containment — so a restart resumes exactly where it
// stopped, never missing or double-counting an event. After commit it publishes the alerts on
// BrokerEvents (the security dashboard) and posts them to the webhook. docs/design/detect.md.
import { newId } from '../access/ids.js';
import type { BrokerEvents } from '../access/events.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { pruneBudgets } from './budget-store.js';
import type { DetectConfig } from './config.js';
import { containInTransaction, type Containment, type DetectDb } from './containment.js';
import { DbContext } from './db-context.js';
import { DetectionEngine } from './engine.js';
import { isContainment, type RiskAction, type Signal } from './signal.js';
import type { AlertWebhook } from './webhook.js';

/** Options of a consumer. `clock` only stamps created_at; detection uses event times. */
export interface ConsumerOptions {
  readonly db: DetectDb;
  readonly events: BrokerEvents;
  readonly config: DetectConfig;
  readonly clock: Clock;
  /** The consumer's name (its offset row); default `detect`. */
  readonly name?: string;
  /** Most records per batch (default 2000). */
  readonly batchSize?: number;
  readonly webhook?: AlertWebhook | undefined;
  readonly onSignal?: (s: Signal) => void;
}

/** An alert as stored, published and posted. */
export interface AlertOut {
  readonly id: string;
  readonly agentId: string;
  readonly kind: 'alert' | 'step_up' | 'contain' | 'budget' | 'decoy';
  readonly risk: number;
  readonly at: string;
  readonly seq: number;
  readonly summary: string;
  readonly explanation: { readonly threshold: number; readonly signals: readonly unknown[] };
  readonly containmentId?: string;
}

/** Thrown when another consumer moved the offset first (several servers). */
class OffsetMoved extends Error {}

/** Consumes the log; one instance per process, runs serialized. */
export class DetectConsumer {
  readonly #opts: ConsumerOptions;
  readonly #name: string;
  readonly #ctx: DbContext;
  #engine: DetectionEngine | undefined;
  #touched = new Set<string>();
  #running: Promise<unknown> = Promise.resolve();
  #kicks: Promise<void> = Promise.resolve();
  #kickQueued = false;
  #lastPrune = -Infinity;

  constructor(opts: ConsumerOptions) {
    this.#opts = opts;
    this.#name = opts.name ?? 'detect';
    this.#ctx = new DbContext(opts.db);
  }

  /** The last sequence number processed and committed (-1 before any), after loading. */
  async offset(): Promise<number> {
    return (await this.#load()).lastSeq;
  }

  /** The engine (loaded from the stored state on first use). */
  async engine(): Promise<DetectionEngine> {
    return this.#load();
  }

  /** Processes at most one batch; resolves to the number of records consumed. */
  runOnce(): Promise<number> {
    const run = this.#running.then(() => this.#batch());
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Processes batches until the log is consumed; resolves to the total. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) return total;
    }
  }

  /** Asks for a drain soon (after each integration batch); coalesces, never throws. */
  kick(): void {
    if (this.#kickQueued) return;
    this.#kickQueued = true;
    this.#kicks = this.#kicks.then(async () => {
      this.#kickQueued = false;
      try {
        await this.drain();
      } catch {
        // the state was reloaded; the next kick retries from the stored offset
      }
    });
  }

  /** Waits for runs in progress and queued kicks. */
  async idle(): Promise<void> {
    let k;
    do {
      k = this.#kicks;
      await k;
      await this.#running;
    } while (k !== this.#kicks);
  }

  async #load(): Promise<DetectionEngine> {
    if (this.#engine) return this.#engine;
    const { db } = this.#opts;
    const rows = await db.selectFrom('detect_state').select(['key', 'state']).where('consumer', '=', this.#name).execute();
    const off = await db.selectFrom('detect_offsets').select('last_seq').where('consumer', '=', this.#name).executeTakeFirst();
    const state = rows.map((r) => ({ key: r.key, state: typeof r.state === 'string' ? JSON.parse(r.state) : r.state }));
    const engine = new DetectionEngine({ config: this.#opts.config, ctx: this.#ctx, onSignal: (s) => this.#signal(s) }, state);
    if (off && off.last_seq !== engine.lastSeq) throw new Error(`detect state (seq ${engine.lastSeq}) does not match its offset (${off.last_seq})`);
    this.#engine = engine;
    return engine;
  }

  #signal(s: Signal): void {
    this.#touched.add(s.agentId);
    this.#opts.onSignal?.(s);
  }

  async #batch(): Promise<number> {
    const engine = await this.#load();
    const { db } = this.#opts;
    const from = engine.lastSeq;
    const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).where('seq', '>', from).orderBy('seq').limit(this.#opts.batchSize ?? 2000).execute();
    if (rows.length === 0) return 0;
    try {
      const records = rows.map((r) => JSON.parse(r.entry) as AuditRecord);
      const lastT = Date.parse((records.at(-1) as AuditRecord).time);
      await this.#ctx.preload(records, lastT);
      this.#touched = new Set();
      for (let i = 0; i < rows.length; i++) engine.ingest((rows[i] as { seq: number }).seq, records[i] as AuditRecord);
      const actions = engine.takeActions();
      const dirty = engine.takeDirty();
      const out = await db.transaction().execute((trx) => this.#commit(trx, engine, from, dirty, actions, lastT));
      this.#publish(out.alerts, out.containments);
      return rows.length;
    } catch (e) {
      this.#engine = undefined; // discard the uncommitted state; reload from the stored offset
      if (e instanceof OffsetMoved) return 0;
      throw e;
    }
  }

  async #commit(trx: DetectDb, engine: DetectionEngine, from: number, dirty: ReturnType<DetectionEngine['takeDirty']>, actions: readonly RiskAction[], lastT: number) {
    const now = this.#opts.clock.now();
    const cur = await trx.selectFrom('detect_offsets').select('last_seq').where('consumer', '=', this.#name).forUpdate().executeTakeFirst();
    if ((cur?.last_seq ?? -1) !== from) throw new OffsetMoved();
    await trx.insertInto('detect_offsets').values({ consumer: this.#name, last_seq: engine.lastSeq, updated_at: now })
      .onConflict((oc) => oc.column('consumer').doUpdateSet({ last_seq: engine.lastSeq, updated_at: now })).execute();
    for (let i = 0; i < dirty.length; i += 200) {
      await trx.insertInto('detect_state').values(dirty.slice(i, i + 200).map((d) => ({ consumer: this.#name, key: d.key, state: JSON.stringify(d.state) })))
        .onConflict((oc) => oc.columns(['consumer', 'key']).doUpdateSet((eb) => ({ state: eb.ref('excluded.state') }))).execute();
    }
    const alerts: AlertOut[] = [];
    const containments: Containment[] = [];
    for (const a of actions) {
      if (a.kind === 'clear_step_up') continue;
      let containmentId: string | undefined;
      if (isContainment(a)) {
        const c = await containInTransaction(trx, {
          agentId: a.agentId, source: 'detector', reason: a.summary, triggerSeq: a.seq, requestId: null, evidence: explain(a), now,
        });
        if (c) containments.push(c);
        containmentId = c?.id ?? (await trx.selectFrom('detect_containments').select('id').where('agent_id', '=', a.agentId).where('status', '=', 'open')
          .orderBy('opened_at', 'desc').executeTakeFirst())?.id;
      }
      const alert: AlertOut = {
        id: newId('alr'), agentId: a.agentId, kind: a.kind, risk: a.risk, at: new Date(a.t).toISOString(), seq: a.seq, summary: a.summary,
        explanation: explain(a), ...(containmentId ? { containmentId } : {}),
      };
      await trx.insertInto('detect_alerts').values({
        id: alert.id, agent_id: a.agentId, kind: a.kind, risk: a.risk, at: new Date(a.t), seq: a.seq, summary: a.summary,
        explanation: JSON.stringify({ ...alert.explanation, ...(containmentId ? { containmentId } : {}) }), created_at: now,
      }).execute();
      alerts.push(alert);
      this.#touched.add(a.agentId);
    }
    for (const id of this.#touched) {
      const r = engine.risk(id, lastT);
      if (!r) continue;
      const row = { risk: r.risk, risk_at: new Date(lastT), level: r.level, step_up: r.stepUp, last_seq: engine.lastSeq };
      await trx.insertInto('detect_agent_risk').values({ agent_id: id, ...row }).onConflict((oc) => oc.column('agent_id').doUpdateSet(row)).execute();
    }
    if (lastT - this.#lastPrune > 3_600_000) {
      await pruneBudgets(trx, new Date(lastT));
      this.#lastPrune = lastT;
    }
    return { alerts, containments };
  }

  #publish(alerts: readonly AlertOut[], containments: readonly Containment[]): void {
    const { events, webhook } = this.#opts;
    for (const c of containments) {
      events.publish({ type: 'audit', record: c.record });
      events.publish({ type: 'agent_status', agentId: c.agentId, status: 'suspended' });
    }
    for (const a of alerts) {
      events.publish({ type: 'detect_alert', alertId: a.id, agentId: a.agentId, kind: a.kind, risk: a.risk, at: a.at, summary: a.summary });
      webhook?.send({ type: 'keyhole.detect.alert', alert: a });
    }
  }
}

/** The explanation of an action: the threshold and the signals behind it. */
export function explain(a: RiskAction): { threshold: number; signals: unknown[] } {
  return {
    threshold: a.threshold,
    signals: a.signals.map((s) => ({
      detector: s.detector, seq: s.seq, at: new Date(s.t).toISOString(), points: s.points, seqs: s.seqs, figures: s.figures, baseline: s.baseline, summary: s.summary,
    })),
  };
}
