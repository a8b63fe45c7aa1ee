// Ships the audit log and detector alerts to one SIEM sink from a durable cursor
// (siem_cursors): read the next batch after the cursor in log order, map it to OCSF, send it,
// and only then advance the cursor, in its own transaction. A crash or SIGKILL between send
// and commit re-sends that batch: delivery is at-least-once and in order, and a duplicate
// carries the same log index. Failures back off exponentially (0.5 s doubling to 30 s).
import { sql } from 'kysely';
import type { Clock } from '../../shared/clock.js';
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { IntegrationDb } from '../tables.js';
import { ocsfFromAlert, ocsfFromLog } from './ocsf.js';
import type { SiemEvent, SiemSink } from './sink.js';

/** Options of a shipper. */
export interface ShipperOptions {
  /** Events a batch (default 500). */
  readonly batchSize?: number;
  /** Idle poll interval, ms (default 1,000). */
  readonly pollMs?: number;
  readonly onError?: (e: unknown) => void;
  /** Ship only while this returns true (e.g. while this server leads the log's integration,
   *  so several servers do not each deliver the same entries); default always. */
  readonly active?: () => boolean;
}

const SYSLOG_SEVERITY = [6, 6, 5, 4, 3, 2] as const; // OCSF severity_id → RFC 5424 severity

function logEvent(row: { seq: number; entry: string; leaf_hash: Uint8Array }): SiemEvent {
  const ocsf = ocsfFromLog({ seq: Number(row.seq), entry: row.entry, leafHash: row.leaf_hash });
  const r = JSON.parse(row.entry) as AuditRecord;
  return { ocsf, seq: Number(row.seq), leafHash: Buffer.from(row.leaf_hash).toString('hex'), time: new Date(r.time), syslogSeverity: SYSLOG_SEVERITY[ocsf.severity_id as number] ?? 6 };
}

interface AlertRow { id: string; agent_id: string; kind: string; risk: number; at: Date; seq: number | null; summary: string; created_at: Date }

/** Delivers the log and alerts to `sink`, from its durable cursor. */
export class SiemShipper {
  readonly #db: IntegrationDb;
  readonly #sink: SiemSink;
  readonly #clock: Clock;
  readonly #batch: number;
  readonly #pollMs: number;
  readonly #onError: (e: unknown) => void;
  readonly #active: () => boolean;
  #running: Promise<void> | undefined;
  #stop = false;
  #wake: (() => void) | undefined;
  #failures = 0;

  constructor(db: IntegrationDb, sink: SiemSink, clock: Clock, opts: ShipperOptions = {}) {
    this.#db = db;
    this.#sink = sink;
    this.#clock = clock;
    this.#batch = opts.batchSize ?? 500;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#onError = opts.onError ?? (() => undefined);
    this.#active = opts.active ?? (() => true);
  }

  get sinkName(): string {
    return this.#sink.name;
  }

  /** Consecutive failed deliveries (0 when healthy). */
  get failures(): number {
    return this.#failures;
  }

  /** Delivers one batch of log events and one of alerts; returns how many were delivered.
   *  @throws whatever the sink or the database throws (the cursor is then unchanged). */
  async shipOnce(): Promise<number> {
    const name = this.#sink.name;
    await this.#db.insertInto('siem_cursors').values({ sink: name, next_seq: 0, alert_at: null, alert_id: null, delivered: 0, updated_at: this.#clock.now() })
      .onConflict((oc) => oc.column('sink').doNothing()).execute();
    const cur = await this.#db.selectFrom('siem_cursors').selectAll().where('sink', '=', name).executeTakeFirstOrThrow();
    const rows = await this.#db.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash']).where('seq', '>=', Number(cur.next_seq))
      .orderBy('seq').limit(this.#batch).execute();
    let n = 0;
    if (rows.length > 0) {
      await this.#sink.send(rows.map(logEvent));
      const next = Number(rows[rows.length - 1]!.seq) + 1;
      await this.#db.updateTable('siem_cursors').set((eb) => ({ next_seq: next, delivered: eb('delivered', '+', rows.length), updated_at: this.#clock.now() }))
        .where('sink', '=', name).where('next_seq', '=', Number(cur.next_seq)).execute();
      n += rows.length;
    }
    n += await this.#shipAlerts(name, cur.alert_at, cur.alert_id);
    return n;
  }

  async #shipAlerts(name: string, at: Date | null, id: string | null): Promise<number> {
    const after = at === null ? sql`true` : sql`(created_at, id) > (${at}::timestamptz, ${id ?? ''})`;
    const alerts = (await sql<AlertRow>`select id, agent_id, kind, risk, at, seq, summary, created_at from detect_alerts
      where ${after} order by created_at, id limit ${this.#batch}`.execute(this.#db)).rows;
    if (alerts.length === 0) return 0;
    await this.#sink.send(alerts.map((a) => {
      const ocsf = ocsfFromAlert({ id: a.id, agentId: a.agent_id, kind: a.kind, risk: Number(a.risk), at: new Date(a.at), seq: a.seq === null ? null : Number(a.seq), summary: a.summary, createdAt: new Date(a.created_at) });
      return { ocsf, seq: null, leafHash: null, time: new Date(a.created_at), syslogSeverity: SYSLOG_SEVERITY[ocsf.severity_id as number] ?? 4 };
    }));
    const last = alerts[alerts.length - 1]!;
    await this.#db.updateTable('siem_cursors').set((eb) => ({ alert_at: new Date(last.created_at), alert_id: last.id, delivered: eb('delivered', '+', alerts.length), updated_at: this.#clock.now() }))
      .where('sink', '=', name).execute();
    return alerts.length;
  }

  /** Ships until `stop()`: at once while there is more, every `pollMs` when idle, with
   *  backoff after failures. */
  start(): void {
    if (this.#running) return;
    this.#stop = false;
    this.#running = this.#loop();
  }

  /** Wakes an idle loop (e.g. after a new checkpoint). */
  kick(): void {
    this.#wake?.();
  }

  /** Stops after the batch in flight and closes the sink. */
  async stop(): Promise<void> {
    this.#stop = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
    await this.#sink.close();
  }

  async #loop(): Promise<void> {
    while (!this.#stop) {
      let wait = this.#pollMs;
      try {
        const n = this.#active() ? await this.shipOnce() : 0;
        this.#failures = 0;
        if (n > 0) wait = 0;
      } catch (e) {
        this.#failures++;
        this.#onError(e);
        wait = Math.min(30_000, 500 * 2 ** Math.min(this.#failures - 1, 6));
      }
      if (wait > 0 && !this.#stop) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.#wake = () => { clearTimeout(t); resolve(); };
      });
      this.#wake = undefined;
    }
  }
}

/** Each sink's lag: log entries not yet delivered (log size − cursor). */
export async function siemLag(db: IntegrationDb): Promise<Array<{ sink: string; lag: number; nextSeq: number }>> {
  const size = await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
  const end = size?.m === null || size?.m === undefined ? 0 : Number(size.m) + 1;
  const rows = await db.selectFrom('siem_cursors').select(['sink', 'next_seq']).execute();
  return rows.map((r) => ({ sink: r.sink, nextSeq: Number(r.next_seq), lag: Math.max(0, end - Number(r.next_seq)) }));
}
