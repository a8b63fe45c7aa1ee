// The detection state kept per agent and per peer group: plain JSON-compatible records (no
// Map or Set) so the consumer can store them as jsonb next to its offset. They are mutable on
// purpose — the engine updates them in place for every event. docs/design/detect.md "State".
import type { Ewma } from './stats.js';
import { bernoulliLlr, cusum as cusumStep, excessAbove, newEwma } from './stats.js';
import type { Signal } from './signal.js';
import type { SessionBinding } from './detectors/session-binding.js';

/** A ticket the agent works on, as the detectors track it (until closed or 24 h old). */
export interface TicketInfo {
  /** Customer id. */
  c: string;
  /** Opened by this agent's lookup (true) or routed / assigned to them (false). */
  lk: boolean;
  /** The identifier the lookup used: email, phone or accountId ('' when routed). */
  key: string;
  /** Time opened (ms) and the sequence number of the opening event. */
  t: number;
  seq: number;
  /** Customer-facing work was done: a verify of a knowledge field (DOB, address, ID…). */
  faced: boolean;
  /** A reveal was requested on it. */
  rev: boolean;
  /** The follow-up detector has judged it. */
  judged: boolean;
}

/** The decaying risk score and its level (0 none, 1 alert, 2 step-up, 3 contained). */
export interface RiskState {
  v: number;
  at: number;
  level: number;
  stepUp: boolean;
  /** The latest signals, newest last (at most 16): the explanation of the next action. */
  recent: Signal[];
}

/** Distinct customers per clock hour and per working day, with their baselines. */
export interface VolumeState {
  hour: number;
  hourCust: Record<string, 1>;
  hourN: number;
  hourHist: number[];
  hourEw: Ewma;
  hourPts: number;
  /** The own-baseline threshold of the current hour / day once computed (-1: not yet). */
  hourOwn: number;
  day: number;
  dayStart: number;
  dayCust: Record<string, 1>;
  dayN: number;
  dayHist: number[];
  dayEw: Ewma;
  dayPts: number;
  dayOwn: number;
  /** The latest peer thresholds (hour, day) and when they were computed (ms). */
  peerAt: [number, number];
  peerThr: [number, number];
  peerN: [number, number];
}

/** A CUSUM over Bernoulli outcomes with its counts and the latest hit seqs. */
export interface CusumState {
  s: number;
  n: number;
  hits: number;
  recent: number[];
}

/** Everything kept about one agent. */
export interface AgentState {
  id: string;
  peer: string;
  /** The collusion group: vendor and the jurisdictions served (`vendor@GB,DE,…`). */
  vendor: string;
  firstT: number;
  lastT: number;
  events: number;
  contained: boolean;
  risk: RiskState;
  tickets: Record<string, TicketInfo>;
  vol: VolumeState;
  /** Lookups without customer-facing work. */
  followup: CusumState;
  /** High-balance (pro or VIP) and VIP customers reached by lookups. */
  skewHigh: CusumState;
  skewVip: CusumState;
  routedN: number;
  routedHigh: number;
  routedVip: number;
  /** First verify per customer per day that failed. `seen`: 1 = counted; 2 = its first attempt
   *  failed and no retry was seen yet (a failed retry is then counted in `again`). */
  probe: CusumState & { day: number; seen: Record<string, 1 | 2> };
  /** Customers whose verification failed again after a failed first attempt (per customer per
   *  day); absent in state stored before it existed. */
  probeAgain?: CusumState & { t?: number };
  /** Tickets with a reveal request. */
  reveal: CusumState;
  /** Times (ms) of the reveals requested on looked-up tickets before any customer-facing work,
   *  in the last 24 h (at most 16); absent in state stored before it existed. */
  unverifiedReveals?: number[];
  /** Lookups that found no customer (or were denied); absent in state stored before it existed. */
  lookupMiss?: CusumState;
  /** Requests refused by policy (tickets not theirs, fields not open to the purpose…); absent in older state. */
  denials?: CusumState;
  /** Session codes → the client each is bound to; absent in state stored before it existed. */
  sessions?: Record<string, SessionBinding>;
  /** When a device or network new to this agent was last seen (ms; after the learning day);
   *  absent in state stored before it existed. */
  newContextT?: number;
  /** Devices and networks seen, the last off-shift hour signalled. */
  devices: string[];
  networks: string[];
  offShiftHour: number;
  offShiftHours: number;
  /** The last clock hour in which a budget denial raised an alert. */
  budgetAlertHour: number;
  /** Lookups by purpose. */
  purposes: Record<string, number>;
  lookups: number;
  /** Orphan lookups (nobody verified) by customer → working days, and the repeats [day, seq]; absent in older state. */
  orphans?: { days: Record<string, number[]>; repeats: Array<[number, number]> };
  /** Customers this agent looked up → the working days they did. */
  lookedUp: Record<string, number[]>;
}

const cusum = (): CusumState => ({ s: 0, n: 0, hits: 0, recent: [] });

/** A fresh state for agent `id` first seen at `t`. */
export function newAgentState(id: string, peer: string, vendor: string, t: number): AgentState {
  return {
    id, peer, vendor, firstT: t, lastT: t, events: 0, contained: false,
    risk: { v: 0, at: t, level: 0, stepUp: false, recent: [] },
    tickets: {},
    vol: { hour: -1, hourCust: {}, hourN: 0, hourHist: [], hourEw: newEwma(), hourPts: 0, hourOwn: -1, day: -1, dayStart: t, dayCust: {}, dayN: 0, dayHist: [], dayEw: newEwma(), dayPts: 0, dayOwn: -1, peerAt: [-Infinity, -Infinity], peerThr: [NaN, NaN], peerN: [0, 0] },
    followup: cusum(), skewHigh: cusum(), skewVip: cusum(), routedN: 0, routedHigh: 0, routedVip: 0,
    probe: { ...cusum(), day: -1, seen: {} }, reveal: cusum(), lookupMiss: cusum(),
    devices: [], networks: [], offShiftHour: -1, offShiftHours: 0, budgetAlertHour: -1, purposes: {}, lookups: 0, lookedUp: {},
  };
}

/** Aggregates of a peer group (same role, team, vendor): the rates the detectors expect. */
export interface PeerState {
  key: string;
  members: string[];
  routedN: number;
  routedHigh: number;
  routedVip: number;
  lookN: number;
  lookOrphan: number;
  /** Customers reached by lookup, and how many were pro/VIP and VIP (balance skew). */
  skewN: number;
  skewHigh: number;
  skewVip: number;
  verifyN: number;
  verifyFail: number;
  ticketN: number;
  revealN: number;
  purposes: Record<string, number>;
}

/** A fresh peer group. */
export function newPeerState(key: string): PeerState {
  return { key, members: [], routedN: 0, routedHigh: 0, routedVip: 0, lookN: 0, lookOrphan: 0, skewN: 0, skewHigh: 0, skewVip: 0, verifyN: 0, verifyFail: 0, ticketN: 0, revealN: 0, purposes: {} };
}

/** Appends `seq` to a bounded list of evidence seqs (at most 20). */
export function remember(list: number[], seq: number): void {
  list.push(seq);
  if (list.length > 20) list.shift();
}

/** Folds one Bernoulli outcome (`hit` or not, of the record `seq`) into the one-sided CUSUM `c`
 *  of H0 rate `p0` against H1 rate `p1` (Page 1954; the log-likelihood ratios of stats.ts
 *  bernoulliLlr), counting trials and hits and remembering the hits' records. Returns the
 *  evidence the step added above `floor` (0 when none): what a detector turns into risk points. */
export function foldBernoulli(c: CusumState, hit: boolean, seq: number, p0: number, p1: number, floor: number): number {
  const [h, m] = bernoulliLlr(p0, p1);
  const before = c.s;
  c.s = cusumStep(c.s, hit ? h : m);
  c.n++;
  if (hit) {
    c.hits++;
    remember(c.recent, seq);
  }
  return excessAbove(before, c.s, floor);
}
