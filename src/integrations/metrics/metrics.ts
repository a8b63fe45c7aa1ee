// Prometheus metrics (prom-client, text exposition format 0.0.4): decisions by action and
// outcome, HTTP request latency, the audit pipeline (pending rows, oldest pending, checkpoint
// age, log size), detector lag, the notification outbox, SIEM sink lag, budget denials,
// containments and unmatched helpdesk tickets. Counters come from the broker's events in this
// process; gauges are read from the database at scrape time (a failed read leaves the gauge
// unset, never fails the scrape). No label ever carries a customer id or value.
import { sql, type Kysely } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BrokerEvents } from '../../access/events.js';
import { registerLeaderMetrics } from '../../audit/leader-metrics.js';
import type { Clock } from '../../shared/clock.js';

/** What the metrics read. */
export interface MetricsDeps {
  readonly db: Kysely<any>;
  readonly events: BrokerEvents;
  readonly clock: Clock;
}

/** Upper bounds of the request-latency buckets, seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

async function one<T>(db: Kysely<any>, q: ReturnType<typeof sql<T>>): Promise<T | undefined> {
  try {
    return (await q.execute(db)).rows[0];
  } catch {
    return undefined;
  }
}

/** The metrics of one Keyhole server: a registry of its own (several apps in one process, as in
 *  tests, do not collide). `close()` unsubscribes from the events. */
export class KeyholeMetrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #unsubscribe: () => void;

  constructor(deps: MetricsDeps) {
    const r = this.registry;
    const { db, clock } = deps;
    collectDefaultMetrics({ register: r, prefix: 'keyhole_' }); // keyhole_process_*, keyhole_nodejs_*
    registerLeaderMetrics(r); // keyhole_log_leader, keyhole_log_leadership_changes_total (issue 18)
    const decisions = new Counter({ name: 'keyhole_decisions_total', help: 'Recorded decisions by action and outcome (allow/deny)', labelNames: ['action', 'outcome'] as const, registers: [r] });
    const budget = new Counter({ name: 'keyhole_budget_denials_total', help: 'Requests denied because an access budget was exhausted', registers: [r] });
    const contained = new Counter({ name: 'keyhole_containments_total', help: 'Agents suspended automatically (detector or in-line guard)', registers: [r] });
    this.#requests = new Histogram({ name: 'keyhole_http_request_duration_seconds', help: 'HTTP request latency by method, route template and status', labelNames: ['method', 'route', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [r] });
    this.#unsubscribe = deps.events.subscribe((e) => {
      if (e.type !== 'audit') return;
      const rec = e.record;
      decisions.inc({ action: rec.action, outcome: rec.decision });
      if (rec.decision === 'deny' && typeof rec.details.guard === 'string' && rec.details.guard.startsWith('budget:')) budget.inc();
      if (rec.action === 'agent_suspend' && rec.details.by === 'detect') contained.inc();
    });

    const gauge = (name: string, help: string, read: (g: Gauge) => Promise<void>, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers: [r], async collect() { this.reset(); await read(this); } });
    const set = (g: Gauge, v: unknown) => { if (v !== undefined && v !== null && Number.isFinite(Number(v))) g.set(Number(v)); };
    const now = () => clock.now().getTime() / 1000;

    gauge('keyhole_audit_pending_rows', 'Acknowledged audit records waiting for integration', async (g) => set(g, (await one<{ n: number }>(db, sql`select count(*)::int as n from audit_pending`))?.n));
    gauge('keyhole_audit_pending_oldest_seconds', 'Age of the oldest record waiting for integration (0 when none)', async (g) => {
      const row = await one<{ t: Date | null }>(db, sql`select min(created_at) as t from audit_pending`);
      if (row) set(g, row.t === null ? 0 : Math.max(0, now() - new Date(row.t).getTime() / 1000));
    });
    gauge('keyhole_log_size', 'Entries in the audit log (integrated)', async (g) => set(g, (await one<{ n: number }>(db, sql`select coalesce(max(seq) + 1, 0)::bigint as n from audit_log`))?.n));
    gauge('keyhole_checkpoint_age_seconds', 'Age of the newest signed checkpoint', async (g) => {
      const row = await one<{ t: Date | null }>(db, sql`select max(signed_at) as t from tlog_checkpoints`);
      if (row?.t) set(g, Math.max(0, now() - new Date(row.t).getTime() / 1000));
    });
    gauge('keyhole_detector_lag_entries', 'Log entries the slowest detector consumer has not processed', async (g) => {
      const row = await one<{ lag: number | null }>(db, sql`select (select coalesce(max(seq), -1) from audit_log) - min(last_seq) as lag from detect_offsets`);
      set(g, row?.lag === null ? 0 : row?.lag);
    });
    gauge('keyhole_outbox_pending', 'Notifications waiting in the incident outbox (pending or sending)', async (g) => set(g, (await one<{ n: number }>(db, sql`select count(*)::int as n from incident_outbox where status in ('pending', 'sending')`))?.n));
    gauge('keyhole_outbox_oldest_pending_seconds', 'Age of the oldest undelivered notification (0 when none)', async (g) => {
      const row = await one<{ t: Date | null }>(db, sql`select min(created_at) as t from incident_outbox where status in ('pending', 'sending')`);
      if (row) set(g, row.t === null ? 0 : Math.max(0, now() - new Date(row.t).getTime() / 1000));
    });
    gauge('keyhole_siem_lag_entries', 'Log entries not yet delivered to each SIEM sink', async (g) => {
      try {
        const rows = (await sql<{ sink: string; lag: number }>`select sink, greatest(0, (select coalesce(max(seq) + 1, 0) from audit_log) - next_seq)::bigint as lag from siem_cursors`.execute(db)).rows;
        for (const row of rows) g.set({ sink: row.sink }, Number(row.lag));
      } catch { /* unreadable: no sample */ }
    }, ['sink']);
    gauge('keyhole_siem_last_delivery_age_seconds', 'Time since each SIEM sink last advanced its cursor', async (g) => {
      try {
        const rows = (await sql<{ sink: string; t: Date }>`select sink, updated_at as t from siem_cursors`.execute(db)).rows;
        for (const row of rows) g.set({ sink: row.sink }, Math.max(0, now() - new Date(row.t).getTime() / 1000));
      } catch { /* unreadable: no sample */ }
    }, ['sink']);
    gauge('keyhole_containments_open', 'Containments not yet closed', async (g) => set(g, (await one<{ n: number }>(db, sql`select count(*)::int as n from detect_containments where status = 'open'`))?.n));
    gauge('keyhole_helpdesk_unmatched', 'Helpdesk tickets whose requester matched no customer, by helpdesk', async (g) => {
      try {
        const rows = (await sql<{ source: string; n: number }>`select source, count(*)::int as n from helpdesk_unmatched group by source`.execute(db)).rows;
        for (const row of rows) g.set({ source: row.source }, Number(row.n));
      } catch { /* unreadable: no sample */ }
    }, ['source']);
  }

  /** Records one HTTP request: `route` MUST be the route template (never the raw URL). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  /** The exposition text. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.#unsubscribe();
  }
}
