// The detection engine: a pure function of the audit log, fed one record at a time in sequence
// order. It keeps per-agent, per-peer-group and per-vendor state, runs every detector, scores
// risk, and queues the actions (alert, step-up, contain) the consumer or simulator carries out.
// Time is the records' own time, never the wall clock. docs/design/detect.md.
import type { AuditRecord } from '../shared/audit-entry.js';
import { newAgentState, newPeerState, type AgentState, type PeerState, type TicketInfo } from './agent-state.js';
import type { DetectConfig } from './config.js';
import { peerKey, type DetectContext } from './context.js';
import { accessContext } from './detectors/access-context.js';
import { noteRouted, skewLookup } from './detectors/balance-skew.js';
import { collusionContained, collusionLookup, collusionTransfer, newVendorState, type CollusionEnv, type VendorState } from './detectors/collusion.js';
import type { Ev, Evidence } from './detectors/env.js';
import { denialOutcome } from './detectors/denials.js';
import { purposeUsed } from './detectors/first-purpose.js';
import { judgeLookup, judgeOpenLookups, noteVerify } from './detectors/lookup-followup.js';
import { lookupOutcome } from './detectors/lookup-miss.js';
import { reaccessLookup, reaccessOrphan } from './detectors/reaccess.js';
import { sessionBinding } from './detectors/session-binding.js';
import { revealRequested, revealTicketDone } from './detectors/reveal-rate.js';
import { probeVerify } from './detectors/verify-probing.js';
import { volumeTouch } from './detectors/volume.js';
import { addSignal, advance, decayed, forceContain, resetRisk } from './risk.js';
import type { ActionKind, DetectorName, RiskAction, Signal } from './signal.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BUDGET_POINTS = 4;

/** Options of an engine. `onSignal` observes every signal (stories, benchmarks). */
export interface EngineOptions {
  readonly config: DetectConfig;
  readonly ctx: DetectContext;
  readonly onSignal?: (s: Signal) => void;
}

/** One stored piece of engine state. */
export interface StateRow {
  readonly key: string;
  readonly state: unknown;
}

/** The current risk of one agent. */
export interface AgentRisk {
  readonly agentId: string;
  readonly risk: number;
  readonly level: 'none' | 'alert' | 'step_up' | 'contain';
  readonly stepUp: boolean;
  readonly recent: readonly Signal[];
}

const LEVELS = ['none', 'alert', 'step_up', 'contain'] as const;

/** True when `o` has an own key (without allocating a key list). */
function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Streaming detection over audit records. Not thread-safe; one instance per consumer. */
export class DetectionEngine {
  readonly #config: DetectConfig;
  readonly #ctx: DetectContext;
  readonly #onSignal: ((s: Signal) => void) | undefined;
  readonly #agents = new Map<string, AgentState>();
  readonly #peers = new Map<string, PeerState>();
  readonly #members = new Map<string, AgentState[]>();
  readonly #vendors = new Map<string, VendorState>();
  readonly #dirty = new Set<string>();
  #actions: RiskAction[] = [];
  #lastSeq = -1;
  readonly #env: CollusionEnv;

  constructor(opts: EngineOptions, rows: readonly StateRow[] = []) {
    this.#config = opts.config;
    this.#ctx = opts.ctx;
    this.#onSignal = opts.onSignal;
    const self = this;
    this.#env = {
      config: opts.config, ctx: opts.ctx,
      peerOf: (a) => self.#peer(a.peer),
      peersOf: (a) => (self.#members.get(a.peer) ?? []).filter((p) => p !== a),
      roleMatesOf: (a) => [...self.#agents.values()].filter((p) => p !== a && p.peer.split('|')[0] === a.peer.split('|')[0]),
      emit: (a, ev, d, points, evidence) => self.#emit(a, ev, d, points, evidence),
      agent: (id) => self.#agents.get(id),
      vendor: (name) => self.#vendors.get(name) ?? (self.#vendors.set(name, newVendorState()).get(name) as VendorState),
      markDirty: (key) => self.#dirty.add(key),
    };
    for (const r of rows) this.#restore(r);
  }

  /** The last sequence number ingested (-1 before any). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Number of agents with state. */
  get agentCount(): number {
    return this.#agents.size;
  }

  /** Ingests record `seq`. Records MUST come in increasing sequence order; a record at or below
   *  `lastSeq` is ignored (so a replayed batch is never counted twice). */
  ingest(seq: number, rec: AuditRecord): void {
    if (seq <= this.#lastSeq) return;
    this.#lastSeq = seq;
    this.#dirty.add('meta');
    const ev: Ev = {
      seq, t: Date.parse(rec.time), action: rec.action, agentId: rec.agentId, customerId: rec.customerId, ticketId: rec.ticketId,
      allow: rec.decision === 'allow', fields: rec.fields, details: rec.details, reason: rec.reason,
    };
    if (this.#system(ev) || ev.agentId === null) return;
    const a = this.#agent(ev.agentId, ev.t);
    this.#dirty.add(`a:${a.id}`);
    this.#dirty.add(`p:${a.peer}`);
    if (!a.contained) this.#agentEvent(a, ev);
    a.lastT = ev.t;
    a.events++;
    if ((a.events & 31) === 0) this.#pruneTickets(a, ev);
  }

  /** The actions queued since the last call, oldest first. */
  takeActions(): RiskAction[] {
    const out = this.#actions;
    this.#actions = [];
    return out;
  }

  /** The state rows changed since the last call (all rows with `all`), and clears the marks. */
  takeDirty(all = false): StateRow[] {
    const keys = all ? this.#allKeys() : [...this.#dirty];
    this.#dirty.clear();
    return keys.map((key) => ({ key, state: this.#stateOf(key) })).filter((r) => r.state !== undefined);
  }

  /** The risk of `agentId` decayed to `t` (ms), or undefined for an unknown agent. */
  risk(agentId: string, t: number): AgentRisk | undefined {
    const a = this.#agents.get(agentId);
    if (!a) return undefined;
    return { agentId, risk: decayed(this.#config.risk, a.risk, t), level: LEVELS[a.risk.level] ?? 'none', stepUp: a.risk.stepUp, recent: [...a.risk.recent] };
  }

  /** Bytes of JSON state per agent, on average (a proxy for memory per agent). */
  stateBytesPerAgent(): number {
    let total = 0;
    for (const key of this.#allKeys()) total += JSON.stringify(this.#stateOf(key) ?? null).length;
    return this.#agents.size === 0 ? 0 : total / this.#agents.size;
  }

  /** Handles records not made by an agent's own request; true when fully handled. */
  #system(ev: Ev): boolean {
    const d = ev.details;
    if (ev.action === 'ticket_open' && ev.agentId === null && typeof d.assignee === 'string' && ev.customerId && ev.ticketId) {
      this.#assigned(this.#agent(d.assignee, ev.t), ev, ev.customerId, ev.ticketId);
      return true;
    }
    if (ev.action === 'ticket_assign' && ev.allow && typeof d.to === 'string' && ev.customerId && ev.ticketId) {
      const to = this.#agent(d.to, ev.t);
      this.#assigned(to, ev, ev.customerId, ev.ticketId);
      if (typeof d.from === 'string') {
        const from = this.#agents.get(d.from);
        if (from) delete from.tickets[ev.ticketId];
        collusionTransfer(this.#env, to.vendor, ev.customerId, d.from, d.to, ev.t);
      }
      return false; // the supervisor's own action is checked too (e.g. assigning a decoy ticket)
    }
    if ((ev.action === 'agent_suspend' || ev.action === 'agent_reinstate') && ev.allow && typeof d.target === 'string') {
      const a = this.#agent(d.target, ev.t);
      a.contained = ev.action === 'agent_suspend';
      if (a.contained) a.risk.level = 3;
      else resetRisk(a.risk, ev.t);
      this.#dirty.add(`a:${a.id}`);
      return ev.agentId === null;
    }
    return false;
  }

  #assigned(a: AgentState, ev: Ev, c: string, ticketId: string): void {
    a.tickets[ticketId] = { c, lk: false, key: '', t: ev.t, seq: ev.seq, faced: false, rev: false, judged: true };
    noteRouted(this.#env, a, this.#ctx.customer(c)?.tier ?? 'standard');
    this.#dirty.add(`a:${a.id}`);
    this.#dirty.add(`p:${a.peer}`);
  }

  #agentEvent(a: AgentState, ev: Ev): void {
    const cleared = advance(this.#config.risk, a.risk, ev.t);
    if (cleared) this.#act(a, ev, cleared, 0, 'risk fell below the alert level: step-up lifted');
    accessContext(this.#env, a, ev);
    const bound = sessionBinding(this.#env, a, ev);
    if (bound.outcome === 'contain') return this.#containNow(a, ev, 'session_binding', { seqs: bound.seqs, figures: {}, baseline: {}, summary: bound.summary });
    const c = ev.customerId;
    const facts = c ? this.#ctx.customer(c) : undefined;
    if (facts?.decoy) return this.#decoy(a, ev);
    denialOutcome(this.#env, a, ev);
    if (ev.action === 'ticket_assign') return;
    if (!ev.allow) return this.#denied(a, ev, c);
    if (c === null) return;
    switch (ev.action) {
      case 'lookup':
        if (!ev.ticketId) return;
        lookupOutcome(this.#env, a, ev, false);
        judgeOpenLookups(this.#env, a, ev, true, (tk) => this.#orphan(a, ev, tk));
        a.tickets[ev.ticketId] = { c, lk: true, key: typeof ev.details.by === 'string' ? ev.details.by : '', t: ev.t, seq: ev.seq, faced: false, rev: false, judged: false };
        reaccessLookup(this.#env, a, ev, c);
        collusionLookup(this.#env, a, ev, c);
        volumeTouch(this.#env, a, ev, c);
        return;
      case 'ticket_open':
        if (ev.ticketId && a.tickets[ev.ticketId]?.lk && typeof ev.details.purpose === 'string') purposeUsed(this.#env, a, ev, ev.details.purpose);
        return;
      case 'view':
      case 'grant_use':
        this.#ticket(a, ev, c);
        if (hasAny(ev.fields)) volumeTouch(this.#env, a, ev, c);
        return;
      case 'verify':
        noteVerify(this.#ticket(a, ev, c), ev);
        probeVerify(this.#env, a, ev, c);
        volumeTouch(this.#env, a, ev, c);
        return;
      case 'reveal_request':
        revealRequested(this.#env, a, ev, this.#ticket(a, ev, c));
        return;
      case 'ticket_close': {
        const tk = ev.ticketId ? a.tickets[ev.ticketId] : undefined;
        if (tk && ev.ticketId) this.#dropTicket(a, ev, ev.ticketId, tk);
        return;
      }
      default:
        return;
    }
  }

  /** The ticket of `ev` for `a`; a ticket never seen opening was routed before detection began. */
  #ticket(a: AgentState, ev: Ev, c: string): TicketInfo {
    const id = ev.ticketId ?? `?${c}`;
    let tk = a.tickets[id];
    if (!tk) {
      this.#assigned(a, ev, c, id);
      tk = a.tickets[id] as TicketInfo;
    }
    return tk;
  }

  /** A lookup judged an orphan: its customer's tier goes to the balance-skew detector. */
  #orphan(a: AgentState, ev: Ev, tk: TicketInfo): void {
    skewLookup(this.#env, a, { ...ev, seq: tk.seq }, this.#ctx.customer(tk.c)?.tier ?? 'standard');
    reaccessOrphan(this.#env, a, ev, tk.c, tk.t, tk.seq);
  }

  #dropTicket(a: AgentState, ev: Ev, id: string, tk: TicketInfo): void {
    if (judgeLookup(this.#env, a, ev, tk)) this.#orphan(a, ev, tk);
    revealTicketDone(this.#env, a, ev, tk);
    delete a.tickets[id];
  }

  #pruneTickets(a: AgentState, ev: Ev): void {
    for (const id in a.tickets) {
      const tk = a.tickets[id] as TicketInfo;
      if (ev.t - tk.t > DAY_MS) this.#dropTicket(a, ev, id, tk);
    }
  }

  #denied(a: AgentState, ev: Ev, c: string | null): void {
    const guard = typeof ev.details.guard === 'string' ? ev.details.guard : '';
    if (guard.startsWith('budget:')) {
      const hour = Math.floor(ev.t / HOUR_MS);
      this.#emit(a, ev, 'budget', BUDGET_POINTS, {
        seqs: [ev.seq], figures: { limit: Number(ev.details.limit ?? 0), used: Number(ev.details.used ?? 0) }, baseline: {},
        summary: `budget ${guard.slice(7)} exhausted: request denied until a supervisor extends it`,
      });
      if (a.budgetAlertHour !== hour) {
        a.budgetAlertHour = hour;
        this.#act(a, ev, 'budget', 0, `budget ${guard.slice(7)} exhausted`);
      }
    } else if (ev.action === 'lookup' && ev.details.miss === true) {
      lookupOutcome(this.#env, a, ev, true);
    } else if (ev.action === 'verify' && c !== null && ev.reason?.includes('locked')) {
      probeVerify(this.#env, a, ev, c);
    }
  }

  #decoy(a: AgentState, ev: Ev): void {
    const s = this.#signal(a, ev, 'decoy', this.#config.risk.contain, {
      seqs: [ev.seq], figures: {}, baseline: {}, summary: `${ev.action} touching a decoy (honeytoken) ${ev.ticketId ? 'ticket' : 'customer'}`,
    });
    forceContain(this.#config.risk, a.risk, s);
    a.contained = true;
    this.#act(a, ev, 'decoy', 0, s.summary);
    collusionContained(this.#env, a, ev);
  }

  /** Contains `a` at once on evidence that needs no score (a held session's next sensitive action). */
  #containNow(a: AgentState, ev: Ev, detector: DetectorName, e: Evidence): void {
    advance(this.#config.risk, a.risk, ev.t);
    const s = this.#signal(a, ev, detector, this.#config.risk.contain, e);
    forceContain(this.#config.risk, a.risk, s);
    a.contained = true;
    this.#dirty.add(`a:${a.id}`);
    this.#act(a, ev, 'contain', this.#config.risk.contain, s.summary);
    collusionContained(this.#env, a, ev);
  }

  #signal(a: AgentState, ev: Ev, detector: DetectorName, points: number, e: Evidence): Signal {
    const s: Signal = { detector, agentId: a.id, t: ev.t, seq: ev.seq, points: Math.round(points * 1000) / 1000, ...e };
    this.#onSignal?.(s);
    return s;
  }

  #emit(a: AgentState, ev: Ev, detector: DetectorName, points: number, e: Evidence): void {
    if (a.contained || points <= 0) return;
    this.#dirty.add(`a:${a.id}`);
    advance(this.#config.risk, a.risk, ev.t);
    const s = this.#signal(a, ev, detector, points, e);
    const kind = addSignal(this.#config.risk, a.risk, s);
    if (!kind) return;
    const threshold = kind === 'contain' ? this.#config.risk.contain : kind === 'step_up' ? this.#config.risk.stepUp : this.#config.risk.alert;
    const top = [...new Set([...a.risk.recent].sort((x, y) => y.points - x.points).map((x) => x.detector))].slice(0, 3).join(', ');
    this.#act(a, ev, kind, threshold, `risk ${a.risk.v.toFixed(1)} crossed ${kind.replace('_', '-')} (${threshold}): ${top}`);
    if (kind === 'contain') {
      a.contained = true;
      collusionContained(this.#env, a, ev);
    }
  }

  #act(a: AgentState, ev: Ev, kind: ActionKind, threshold: number, summary: string): void {
    this.#actions.push({ kind, agentId: a.id, t: ev.t, seq: ev.seq, risk: Math.round(a.risk.v * 1000) / 1000, threshold, summary, signals: [...a.risk.recent] });
  }

  #agent(id: string, t: number): AgentState {
    let a = this.#agents.get(id);
    if (!a) {
      const f = this.#ctx.agent(id);
      a = newAgentState(id, f ? peerKey(f) : 'unknown', f ? `${f.vendor}@${f.regions.join(',')}` : 'unknown', t);
      this.#add(a);
    }
    return a;
  }

  #add(a: AgentState): void {
    this.#agents.set(a.id, a);
    const m = this.#members.get(a.peer);
    if (m) m.push(a);
    else this.#members.set(a.peer, [a]);
    const p = this.#peer(a.peer);
    if (!p.members.includes(a.id)) p.members.push(a.id);
  }

  #peer(key: string): PeerState {
    let p = this.#peers.get(key);
    if (!p) this.#peers.set(key, (p = newPeerState(key)));
    return p;
  }

  #allKeys(): string[] {
    const keys = ['meta', ...[...this.#agents.keys()].map((k) => `a:${k}`), ...[...this.#peers.keys()].map((k) => `p:${k}`)];
    for (const [name, v] of this.#vendors) keys.push(`v:${name}:pairs`, ...Object.keys(v.shards).map((k) => `v:${name}:${k}`));
    return keys;
  }

  #stateOf(key: string): unknown {
    if (key === 'meta') return { lastSeq: this.#lastSeq };
    if (key.startsWith('a:')) return this.#agents.get(key.slice(2));
    if (key.startsWith('p:')) return this.#peers.get(key.slice(2));
    const [, vendor, part] = /^v:(.*):([^:]+)$/.exec(key) ?? [];
    const v = vendor === undefined ? undefined : this.#vendors.get(vendor);
    if (!v || part === undefined) return undefined;
    return part === 'pairs' ? { pairs: v.pairs, lookups: v.lookups, total: v.total, repeats: v.repeats, since: v.since } : v.shards[part];
  }

  #restore(r: StateRow): void {
    if (r.key === 'meta') this.#lastSeq = (r.state as { lastSeq: number }).lastSeq;
    else if (r.key.startsWith('a:')) this.#add(r.state as AgentState);
    else if (r.key.startsWith('p:')) this.#peers.set(r.key.slice(2), r.state as PeerState);
    else {
      const [, vendor, part] = /^v:(.*):([^:]+)$/.exec(r.key) ?? [];
      if (vendor === undefined || part === undefined) return;
      const v = this.#env.vendor(vendor);
      if (part === 'pairs') Object.assign(v, r.state as Pick<VendorState, 'pairs' | 'lookups' | 'total' | 'repeats' | 'since'>);
      else v.shards[part] = r.state as VendorState['shards'][string];
    }
  }
}
