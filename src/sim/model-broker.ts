// An in-memory model of the access broker for the benchmark: the same ticket gate, guard
// (suspension, decoys, the shared budget rules), region policy, purpose levels, grants, verify
// lock and four-eyes decisions as src/access, producing the same audit records, fed straight into
// the detection engine in sequence. It trades the database for speed; the broker path
// (broker-driver.ts) runs the real thing for a subset of runs, and the two are compared.
import { budgetReason, decideBudget, type GuardedAction } from '../detect/budget-rules.js';
import { BUDGET_WINDOW_MS, budgetsFor, type DetectConfig } from '../detect/config.js';
import type { DetectionEngine } from '../detect/engine.js';
import { isContainment } from '../detect/signal.js';
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import { FIELD_CATALOG } from '../fields/catalog.js';
import { levelRank } from '../fields/levels.js';
import { PURPOSE_TABLE, purposeRule } from '../fields/purposes.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Driver, DriverHooks, StepResult } from './driver.js';
import { ownerSignIn, type Step, type Task } from './tasks.js';
import { customerId, SIM_REGIONS, type SimAgent, type SimWorld, type WorldContext } from './world.js';

interface MTicket { c: number; purpose: Purpose; assignee: string; open: boolean }
interface MGrant { id: string; ticket: string; agent: string; fields: readonly FieldName[]; expires: number; done: boolean }
interface MReveal { ticket: string; agent: string; fields: readonly FieldName[]; approval: string; pending: boolean }
/** Sliding-window counts with the DB guard's semantics (distinct customers by last touch). */
interface Win { q: Array<[number, number]>; head: number; n: number; readonly span: number }
interface Usage { last: Map<number, number>; hour: Win; shift: Win; lookups: Win; reveals: Win }

const win = (span: number): Win => ({ q: [], head: 0, n: 0, span });
/** Drops entries at or before `t - span`; `last` (when given) decides whether a customer left. */
function slide(w: Win, t: number, last?: Map<number, number>, forget = false): void {
  while (w.head < w.q.length && (w.q[w.head] as [number, number])[0] <= t - w.span) {
    const [tt, c] = w.q[w.head++] as [number, number];
    if (!last) w.n--;
    else if (last.get(c) === tt) {
      w.n--;
      if (forget) last.delete(c);
    }
  }
  if (w.head > 4096) {
    w.q.splice(0, w.head);
    w.head = 0;
  }
}

const DAY_MS = 86_400_000;
const DEFAULT_LEVELS = new Map<Purpose, Record<string, string>>();
const levelsOf = (p: Purpose) => {
  let m = DEFAULT_LEVELS.get(p);
  if (!m) {
    m = {};
    for (const [f, r] of Object.entries(PURPOSE_TABLE[p])) if (r && r.default !== 'hidden') m[f] = r.default;
    DEFAULT_LEVELS.set(p, m);
  }
  return m;
};

/** The in-memory broker. */
export class ModelBroker implements Driver {
  readonly #w: SimWorld;
  readonly #engine: DetectionEngine;
  readonly #config: DetectConfig;
  readonly #ctx: WorldContext;
  readonly #hooks: DriverHooks;
  readonly #tickets = new Map<string, MTicket>();
  readonly #grants = new Map<string, MGrant[]>();
  readonly #reveals = new Map<string, MReveal>();
  readonly #usage = new Map<string, Usage>();
  readonly #fails = new Map<string, number[]>();
  readonly #suspended = new Set<string>();
  readonly #limits = new Map<string, ReturnType<typeof budgetsFor>>();
  #seq = 0;
  #ids = 0;

  readonly #keep: AuditRecord[] | undefined;

  /** `keep` (optional) receives every record produced, in sequence order (replay benchmarks). */
  constructor(w: SimWorld, engine: DetectionEngine, config: DetectConfig, ctx: WorldContext, hooks: DriverHooks, keep?: AuditRecord[]) {
    this.#keep = keep;
    this.#w = w;
    this.#engine = engine;
    this.#config = config;
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  get records(): number {
    return this.#seq;
  }

  settle(): void {}

  rosterChanged(): void {}

  run(step: Step): StepResult {
    this.#ctx.now = step.t;
    const task = step.task;
    if (!step.actor) this.#session(step);
    switch (step.kind) {
      case 'intake': {
        const id = `tkt_m${++this.#ids}`;
        this.#tickets.set(id, { c: task.customer, purpose: task.purpose, assignee: task.agent.id, open: true });
        this.#emit(step, null, 'ticket_open', task.customer, id, 'allow', {}, null, { assignee: task.agent.id, purpose: task.purpose, channel: task.channel, via: 'routing' });
        return { ok: true, ticketId: id };
      }
      case 'lookup':
        return this.#lookup(step, task);
      case 'view':
        return this.#view(step, task);
      case 'verify':
        return this.#verify(step, task);
      case 'reveal':
        return this.#reveal(step, task);
      case 'decide':
        return this.#decide(step, task);
      case 'assign':
        return this.#assign(step, task);
      case 'close': {
        const t = this.#gate(step, task, 'ticket_close');
        if (!t) return { ok: false, code: 'TICKET_NOT_FOUND' };
        t.open = false;
        this.#tickets.delete(task.ticketId ?? '');
        const revoked = this.#revoke((g) => g.ticket === task.ticketId, task.ticketId);
        this.#emit(step, task.agent.id, 'ticket_close', t.c, task.ticketId ?? null, 'allow', {}, null, { grantsRevoked: revoked });
        return { ok: true };
      }
    }
  }

  #lookup(step: Step, task: Task): StepResult {
    const a = task.agent;
    const by = { by: task.key };
    // As src/access/lookup.ts: the policy first; a denied lookup is a miss (no customer touched,
    // the lookup budget counted) unless it touches a decoy.
    const allowed = this.#inRegion(a, task.customer);
    const touched = allowed || this.#w.customers.decoy[task.customer] === 1 ? task.customer : null;
    const denied = this.#guard(step, a, 'lookup', touched, null, by);
    if (denied) return denied;
    if (!allowed) {
      this.#emit(step, a.id, 'lookup', task.customer, null, 'deny', {}, 'policy denied lookup', { ...by, miss: true });
      return { ok: false, code: 'LOOKUP_NO_MATCH' };
    }
    const id = `tkt_m${++this.#ids}`;
    this.#tickets.set(id, { c: task.customer, purpose: task.purpose, assignee: a.id, open: true });
    this.#emit(step, a.id, 'lookup', task.customer, id, 'allow', {}, null, by);
    this.#emit(step, a.id, 'ticket_open', task.customer, id, 'allow', {}, null, { purpose: task.purpose, channel: task.channel });
    return { ok: true, ticketId: id };
  }

  #view(step: Step, task: Task): StepResult {
    const t = this.#gate(step, task, 'view');
    if (!t) return { ok: false, code: 'TICKET_NOT_FOUND' };
    const denied = this.#guard(step, task.agent, 'view', t.c, task.ticketId ?? null, {});
    if (denied) return denied;
    const grants = (this.#grants.get(task.ticketId ?? '') ?? []).filter((g) => !g.done && g.agent === task.agent.id && g.expires > step.t);
    const fields: Record<string, string> = grants.length === 0 ? levelsOf(t.purpose) : { ...levelsOf(t.purpose) };
    for (const g of grants) for (const f of g.fields) fields[f] = purposeRule(t.purpose, f).ceiling;
    this.#emit(step, task.agent.id, 'view', t.c, task.ticketId ?? null, 'allow', fields, null, grants.length ? { grantsUsed: grants.map((g) => g.id) } : {});
    for (const g of grants) {
      g.done = true;
      this.#emit(step, task.agent.id, 'grant_use', t.c, task.ticketId ?? null, 'allow', Object.fromEntries(g.fields.map((f) => [f, fields[f] ?? 'hidden'])), null, { grantId: g.id });
    }
    return { ok: true, exposed: true };
  }

  #verify(step: Step, task: Task): StepResult {
    const t = this.#gate(step, task, 'verify');
    const field = step.field ?? 'dateOfBirth';
    if (!t) return { ok: false, code: 'TICKET_NOT_FOUND' };
    if (FIELD_CATALOG[field].verify === undefined || levelRank(purposeRule(t.purpose, field).default) < levelRank('verify_only')) {
      this.#emit(step, task.agent.id, 'verify', t.c, task.ticketId ?? null, 'deny', { [field]: 'hidden' }, 'field not verifiable for this purpose', {});
      return { ok: false, code: 'FIELD_NOT_VERIFIABLE' };
    }
    const denied = this.#guard(step, task.agent, 'verify', t.c, task.ticketId ?? null, {});
    if (denied) return denied;
    const key = `${task.agent.id}|${t.c}|${field}`;
    const fails = (this.#fails.get(key) ?? []).filter((x) => x > step.t - DAY_MS);
    if (fails.length >= 5) {
      this.#emit(step, task.agent.id, 'verify', t.c, task.ticketId ?? null, 'deny', { [field]: 'verify_only' }, 'verify locked after 5 failures', {});
      return { ok: false, code: 'VERIFY_LOCKED' };
    }
    const match = step.correct === true;
    if (!match) this.#fails.set(key, [...fails, step.t]);
    this.#emit(step, task.agent.id, 'verify', t.c, task.ticketId ?? null, 'allow', { [field]: 'verify_only' }, null, { matched: match });
    return { ok: true, exposed: true };
  }

  #reveal(step: Step, task: Task): StepResult {
    const t = this.#gate(step, task, 'reveal_request');
    if (!t) return { ok: false, code: 'TICKET_NOT_FOUND' };
    const fields = step.fields ?? [];
    const rules = fields.map((f) => purposeRule(t.purpose, f));
    if (fields.length === 0 || rules.some((r) => levelRank(r.ceiling) <= levelRank(r.default))) {
      this.#emit(step, task.agent.id, 'reveal_request', t.c, task.ticketId ?? null, 'deny', Object.fromEntries(fields.map((f) => [f, 'revealed'])), 'field not revealable for this purpose', {});
      return { ok: false, code: 'REVEAL_NOT_ALLOWED' };
    }
    const denied = this.#guard(step, task.agent, 'reveal_request', t.c, task.ticketId ?? null, {});
    if (denied) return denied;
    const needsCustomer = rules.some((r) => r.approval !== 'supervisor');
    const needsStaff = rules.some((r) => r.approval !== 'customer');
    const approval = needsCustomer && needsStaff ? 'supervisor_and_customer' : needsCustomer ? 'customer' : 'supervisor';
    const id = `rvl_m${++this.#ids}`;
    this.#reveals.set(id, { ticket: task.ticketId ?? '', agent: task.agent.id, fields, approval, pending: true });
    this.#emit(step, task.agent.id, 'reveal_request', t.c, task.ticketId ?? null, 'allow', Object.fromEntries(fields.map((f) => [f, purposeRule(t.purpose, f).ceiling])), 'sim reason', { revealRequestId: id, approval });
    return { ok: true, requestId: id };
  }

  #decide(step: Step, task: Task): StepResult {
    const sup = step.actor as SimAgent;
    const r = task.requestId ? this.#reveals.get(task.requestId) : undefined;
    const t = r ? this.#tickets.get(r.ticket) : undefined;
    if (!r || !t || !r.pending || !t.open) return { ok: false, code: 'REQUEST_NOT_PENDING' };
    const action = step.approve ? 'reveal_approve' : 'reveal_deny';
    const fields = Object.fromEntries(r.fields.map((f) => [f, 'revealed']));
    if (step.approve && sup.role !== 'security' && this.#engine.risk(r.agent, step.t)?.stepUp) {
      this.#emit(step, sup.id, action, t.c, r.ticket, 'deny', fields, 'requester under step-up: security approval required', {});
      return { ok: false, code: 'FORBIDDEN' };
    }
    if (step.approve && r.approval === 'customer') return { ok: false, code: 'CONFLICT' };
    r.pending = false;
    const grant = step.approve && r.approval === 'supervisor' ? `gnt_m${++this.#ids}` : undefined;
    if (grant) {
      const list = this.#grants.get(r.ticket) ?? [];
      list.push({ id: grant, ticket: r.ticket, agent: r.agent, fields: r.fields, expires: step.t + 15 * 60_000, done: false });
      this.#grants.set(r.ticket, list);
    }
    this.#emit(step, sup.id, action, t.c, r.ticket, 'allow', fields, null, { revealRequestId: task.requestId ?? '', requesterId: r.agent, ...(grant ? { grantId: grant } : {}) });
    return { ok: true };
  }

  #assign(step: Step, task: Task): StepResult {
    const t = task.ticketId ? this.#tickets.get(task.ticketId) : undefined;
    const to = step.to as SimAgent;
    if (!t || !t.open || this.#suspended.has(to.id)) return { ok: false, code: 'TICKET_NOT_FOUND' };
    const from = t.assignee;
    const revoked = this.#revoke((g) => g.ticket === task.ticketId && g.agent === from, task.ticketId);
    t.assignee = to.id;
    this.#emit(step, (step.actor as SimAgent).id, 'ticket_assign', t.c, task.ticketId ?? null, 'allow', {}, null, { from, to: to.id, grantsRevoked: revoked });
    return { ok: true };
  }

  /** The task's ticket when it is open and assigned to the task's agent, else a recorded denial. */
  #gate(step: Step, task: Task, action: AuditRecord['action']): MTicket | undefined {
    const t = task.ticketId ? this.#tickets.get(task.ticketId) : undefined;
    if (t && t.open && t.assignee === task.agent.id) return t;
    this.#emit(step, task.agent.id, action, t?.c ?? null, t ? (task.ticketId ?? null) : null, 'deny', {}, !t ? 'no such ticket' : t.assignee !== task.agent.id ? 'ticket not assigned to agent' : 'ticket closed', {});
    return undefined;
  }

  /** The guard: suspension, decoys, budgets (the same rules as src/detect/guard.ts). */
  #guard(step: Step, a: SimAgent, action: GuardedAction, c: number | null, ticketId: string | null, extra: AuditRecord['details']): StepResult | undefined {
    const deny = (code: string, reason: string, details: AuditRecord['details']) => {
      this.#emit(step, a.id, action, c, ticketId, 'deny', {}, reason, { ...extra, ...details });
      return { ok: false, code };
    };
    if (this.#suspended.has(a.id)) return deny('AGENT_SUSPENDED', 'agent suspended', { contained: false, guard: 'suspended' });
    if (c !== null && this.#w.customers.decoy[c] === 1) return deny('POLICY_DENIED', 'decoy touched: agent contained', { contained: true, guard: 'decoy' });
    let u = this.#usage.get(a.id);
    if (!u) this.#usage.set(a.id, (u = { last: new Map(), hour: win(BUDGET_WINDOW_MS.customersPerHour), shift: win(BUDGET_WINDOW_MS.customersPerShift), lookups: win(BUDGET_WINDOW_MS.lookupsPerHour), reveals: win(BUDGET_WINDOW_MS.revealsPerShift) }));
    slide(u.hour, step.t, u.last);
    slide(u.shift, step.t, u.last, true);
    slide(u.lookups, step.t);
    slide(u.reveals, step.t);
    const prev = c === null ? undefined : u.last.get(c);
    const seenInHour = prev !== undefined && prev > step.t - u.hour.span;
    const seenInShift = prev !== undefined;
    let limits = this.#limits.get(a.id);
    if (!limits) this.#limits.set(a.id, (limits = budgetsFor(this.#config, a.role, a.team)));
    const d = decideBudget(action, limits, {
      seenInHour, seenInShift, customersInHour: u.hour.n, customersInShift: u.shift.n, lookupsInHour: u.lookups.n, revealsInShift: u.reveals.n,
    });
    if (!d.allow) return deny('BUDGET_EXCEEDED', budgetReason(d), { limit: d.limit, used: d.used, contained: false, guard: `budget:${d.budget}` });
    if (c === null) {
      if (action === 'lookup') (u.lookups.n++, u.lookups.q.push([step.t, -1]));
      return undefined;
    }
    if (!seenInHour) u.hour.n++;
    if (!seenInShift) u.shift.n++;
    u.last.set(c, step.t);
    u.hour.q.push([step.t, c]);
    u.shift.q.push([step.t, c]);
    if (action === 'lookup') (u.lookups.n++, u.lookups.q.push([step.t, c]));
    if (action === 'reveal_request') (u.reveals.n++, u.reveals.q.push([step.t, c]));
    return undefined;
  }

  #inRegion(a: SimAgent, c: number): boolean {
    return a.team === 'vip-desk' || a.team.startsWith('qa-') || a.role === 'security' || this.#w.customers.region[c] === a.region
      || (SIM_REGIONS[a.region] === undefined);
  }

  /** Revokes the live grants matching `which` (only those of `ticket` when given). */
  #revoke(which: (g: MGrant) => boolean, ticket?: string): string[] {
    const out: string[] = [];
    const lists = ticket === undefined ? [...this.#grants.values()] : [this.#grants.get(ticket) ?? []];
    if (ticket !== undefined) this.#grants.delete(ticket);
    for (const list of lists) for (const g of list) if (!g.done && which(g)) {
      g.done = true;
      out.push(g.id);
    }
    return out;
  }

  /** The first step on a session named by a thief's client that its owner has not used yet: the
   *  owner's sign-in (`session_start` from `signedInFrom`) comes first, as on the server. */
  #session(step: Step): void {
    const rec = ownerSignIn(step, this.#sessions);
    if (rec) this.#ingest(step, { ...rec, time: new Date(step.t).toISOString(), requestId: 'sim' });
  }

  readonly #sessions = new Set<string>();

  #emit(step: Step, agentId: string | null, action: AuditRecord['action'], c: number | null, ticketId: string | null, decision: 'allow' | 'deny',
    fields: Record<string, string>, reason: string | null, details: AuditRecord['details']): void {
    const client = agentId === step.task.agent.id ? step.task.client : undefined;
    this.#ingest(step, {
      v: 1, time: new Date(step.t).toISOString(), requestId: 'sim', action, agentId, customerId: c === null ? null : customerId(c), ticketId, decision,
      fields, policyIds: [], reason, details: client ? { ...details, net: client.net, dev: client.dev, ...(client.sess ? { sess: client.sess } : {}) } : details,
    });
  }

  /** Feeds `rec` to the engine as the next record and acts on what it decides. */
  #ingest(step: Step, rec: AuditRecord): void {
    this.#keep?.push(rec);
    this.#engine.ingest(this.#seq++, rec);
    for (const act of this.#engine.takeActions()) {
      this.#hooks.onAction(act);
      if (isContainment(act) && !this.#suspended.has(act.agentId)) this.#contain(step, act.agentId, act.summary);
    }
  }

  #contain(step: Step, agentId: string, reason: string): void {
    this.#suspended.add(agentId);
    const revoked = this.#revoke((g) => g.agent === agentId);
    for (const r of this.#reveals.values()) if (r.agent === agentId) r.pending = false;
    const rec: AuditRecord = {
      v: 1, time: new Date(step.t).toISOString(), requestId: 'sim', action: 'agent_suspend', agentId: null, customerId: null, ticketId: null,
      decision: 'allow', fields: {}, policyIds: [], reason, details: { target: agentId, by: 'detect', source: 'detector', grantsRevoked: revoked.length, sessionsEnded: 1 },
    };
    // Suspension withdraws the agent's open contacts (access/withdraw-contacts.ts): one
    // ticket_assign record per ticket, in the same transaction as the suspension.
    const withdrawn: AuditRecord[] = [];
    for (const [id, t] of [...this.#tickets.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (t.assignee !== agentId || !t.open) continue;
      withdrawn.push({
        v: 1, time: new Date(step.t).toISOString(), requestId: 'sim', action: 'ticket_assign', agentId: null, customerId: customerId(t.c), ticketId: id,
        decision: 'allow', fields: {}, policyIds: [], reason: 'agent_suspended', details: { from: agentId, to: null, reason: 'agent_suspended' },
      });
    }
    for (const r of [...withdrawn, rec]) {
      this.#keep?.push(r);
      this.#engine.ingest(this.#seq++, r);
    }
    this.#engine.takeActions();
  }

  /** True when `agentId` has been contained. */
  isSuspended(agentId: string): boolean {
    return this.#suspended.has(agentId);
  }
}
