// Crafted audit-record streams for detector tests: a small world (agents with rosters, customers
// with tiers and decoys) and a writer that produces the records the broker would, in sequence.
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from '../../src/detect/config.js';
import type { AgentFacts, CustomerFacts, DetectContext } from '../../src/detect/context.js';
import { DetectionEngine } from '../../src/detect/engine.js';
import type { RiskAction, Signal } from '../../src/detect/signal.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';

/** Monday 2026-02-02 00:00 UTC. */
export const T0 = Date.UTC(2026, 1, 2);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** An agent on the 08:00–16:30 UTC shift, every day, in team `team` of `vendor`. */
export function agent(id: string, team = 'emea-atlas', vendor = 'atlas-cx', extra: Partial<AgentFacts> = {}): AgentFacts {
  return { id, role: 'agent', team, vendor, hiredAt: T0 - 90 * DAY, shift: { startMin: 8 * 60, minutes: 510, days: 127 }, regions: ['DE', 'GB'], ...extra };
}

/** A context over `agents`; customers `c<n>` are standard unless listed in `customers`. */
export function context(agents: readonly AgentFacts[], customers: Readonly<Record<string, CustomerFacts>> = {}): DetectContext {
  const byId = new Map(agents.map((a) => [a.id, a]));
  return { agent: (id) => byId.get(id), customer: (id) => customers[id] ?? { tier: 'standard', decoy: false } };
}

/** Writes records and feeds them to an engine, collecting its signals and actions. */
export class Stream {
  readonly engine: DetectionEngine;
  readonly signals: Signal[] = [];
  readonly actions: RiskAction[] = [];
  readonly records: Array<[number, AuditRecord]> = [];
  t = T0;
  #seq = 0;
  #tickets = 0;

  constructor(ctx: DetectContext, config: DetectConfig = DEFAULT_DETECT_CONFIG) {
    this.engine = new DetectionEngine({ config, ctx, onSignal: (s) => this.signals.push(s) });
  }

  /** Moves time to `t` (ms) or by `+ms`. */
  at(t: number): this {
    this.t = t;
    return this;
  }

  /** Appends one record. */
  rec(r: Partial<AuditRecord> & Pick<AuditRecord, 'action'>, client = { net: 'net-office', dev: 'dev-1' }): void {
    const record: AuditRecord = {
      v: 1, time: new Date(this.t).toISOString(), requestId: 'r', agentId: null, customerId: null, ticketId: null, decision: 'allow', fields: {},
      policyIds: [], reason: null, ...r, details: { ...(r.agentId ? client : {}), ...r.details },
    };
    this.records.push([this.#seq, record]);
    this.engine.ingest(this.#seq++, record);
    this.actions.push(...this.engine.takeActions());
  }

  /** A routed ticket for `agentId`; returns its id. */
  routed(agentId: string, customer: string, purpose = 'withdrawal_issue'): string {
    const id = `t${++this.#tickets}`;
    this.rec({ action: 'ticket_open', customerId: customer, ticketId: id, details: { assignee: agentId, purpose, channel: 'email', via: 'routing' } });
    return id;
  }

  /** A lookup by `agentId` that opens a ticket; returns its id. */
  lookup(agentId: string, customer: string, purpose = 'general_inquiry', by = 'email', client?: { net: string; dev: string }): string {
    const id = `t${++this.#tickets}`;
    this.rec({ action: 'lookup', agentId, customerId: customer, ticketId: id, details: { by } }, client);
    this.rec({ action: 'ticket_open', agentId, customerId: customer, ticketId: id, details: { purpose, channel: 'phone' } }, client);
    return id;
  }

  view(agentId: string, customer: string, ticket: string): void {
    this.rec({ action: 'view', agentId, customerId: customer, ticketId: ticket, fields: { fullName: 'masked', email: 'masked', dateOfBirth: 'verify_only' } });
  }

  verify(agentId: string, customer: string, ticket: string, matched: boolean, field = 'dateOfBirth'): void {
    this.rec({ action: 'verify', agentId, customerId: customer, ticketId: ticket, fields: { [field]: 'verify_only' }, details: { matched } });
  }

  reveal(agentId: string, customer: string, ticket: string, fields = ['email']): void {
    this.rec({ action: 'reveal_request', agentId, customerId: customer, ticketId: ticket, fields: Object.fromEntries(fields.map((f) => [f, 'revealed'])), details: { approval: 'supervisor' } });
  }

  close(agentId: string, customer: string, ticket: string): void {
    this.rec({ action: 'ticket_close', agentId, customerId: customer, ticketId: ticket, details: { grantsRevoked: [] } });
  }

  /** A normal inbound call: lookup, view, a passed DOB check, close; 7 minutes. */
  call(agentId: string, customer: string, purpose = 'general_inquiry'): void {
    const t = this.lookup(agentId, customer, purpose);
    this.t += 20_000;
    this.view(agentId, customer, t);
    this.t += MIN;
    this.verify(agentId, customer, t, true);
    this.t += 5 * MIN;
    this.close(agentId, customer, t);
    this.t += MIN;
  }

  /** A lookup with nothing customer-facing after it: lookup, view, close; 2 minutes. */
  peek(agentId: string, customer: string, purpose = 'general_inquiry'): void {
    const t = this.lookup(agentId, customer, purpose);
    this.t += 20_000;
    this.view(agentId, customer, t);
    this.t += 40_000;
    this.close(agentId, customer, t);
    this.t += MIN;
  }

  /** Signals of `detector` against `agentId`. */
  of(detector: string, agentId?: string): Signal[] {
    return this.signals.filter((s) => s.detector === detector && (agentId === undefined || s.agentId === agentId));
  }

  /** Points of `detector` against `agentId`. */
  points(detector: string, agentId?: string): number {
    return this.of(detector, agentId).reduce((a, s) => a + s.points, 0);
  }
}
