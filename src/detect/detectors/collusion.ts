// Collusion: the same customers reached by lookup by several agents of one vendor (who serve
// the same jurisdictions), with no ticket transfer between them. Customers call back and reach
// another agent, so some sharing is normal: the group's repeat rate gives each pair an expected number of shared customers
// (from both agents' lookup volumes), and a pair that shares far more (Poisson tail below 1e-4)
// is a ring splitting a target list so that each member stays under every per-agent threshold.
import { remember, type AgentState } from '../agent-state.js';
import { r3, type Env, type Ev } from './env.js';

const DAY_MS = 86_400_000;
/** Shared customers below which a pair is never evidence. */
const SHARED_MIN = 4;
/** Tail probability below which a pair's sharing is evidence; points grow with -log10 of it. */
const TAIL = 1e-4;
/** Tail probability at which a pair's sharing is overwhelming: both members are contained at once.
 *  Benign pairs of the simulator's densest world bottom out near 1e-9; rings reach 1e-16 and below. */
const RING_TAIL = 1e-12;
/** Shards per vendor (the state is stored per shard, so a batch rewrites little). */
export const COLLUSION_SHARDS = 16;

/** Lookups of one customer: [agentId, time ms, seq]. */
export type Touch = [string, number, number];

/** One shard of a vendor's index: recent lookups and transfers by customer. */
export interface CollusionShard {
  touches: Record<string, Touch[]>;
  transfers: Record<string, [string[], number]>;
  swept: number;
}

/** A pair of agents and the customers they share. */
export interface Pair {
  n: number;
  t: number;
  seqs: number[];
  customers: Record<string, 1>;
  emitted: number;
}

/** Two half-window buckets of a count: [start of current bucket, current, previous]. */
export type Buckets = [number, number, number];

/** A vendor's collusion state: pairs, and lookup and repeat volumes in the window. */
export interface VendorState {
  shards: Record<string, CollusionShard>;
  pairs: Record<string, Pair>;
  lookups: Record<string, Buckets>;
  total: Buckets;
  repeats: Buckets;
}

/** What the detector needs from the engine besides Env. */
export interface CollusionEnv extends Env {
  agent(id: string): AgentState | undefined;
  vendor(name: string): VendorState;
  markDirty(key: string): void;
}

/** A fresh vendor state. */
export function newVendorState(): VendorState {
  return { shards: {}, pairs: {}, lookups: {}, total: [0, 0, 0], repeats: [0, 0, 0] };
}

/** The shard number of customer `c`. */
export function shardOf(c: string): number {
  let h = 0;
  for (let i = 0; i < c.length; i++) h = (h * 31 + c.charCodeAt(i)) | 0;
  return (h >>> 0) % COLLUSION_SHARDS;
}

/** Adds `x` to `b` at `t` with buckets of half the window; returns the windowed total. */
function bump(b: Buckets, t: number, half: number, x: number): number {
  if (t - b[0] >= 2 * half) b.splice(0, 3, t, 0, 0);
  else if (t - b[0] >= half) b.splice(0, 3, t, 0, b[1]);
  b[1] += x;
  return b[1] + b[2];
}

function shard(env: CollusionEnv, vendor: string, c: string, t: number): CollusionShard {
  const v = env.vendor(vendor);
  const k = shardOf(c);
  const s = v.shards[k] ?? (v.shards[k] = { touches: {}, transfers: {}, swept: t });
  env.markDirty(`v:${vendor}:${k}`);
  const window = env.config.collusionDays * DAY_MS;
  if (t - s.swept > DAY_MS) {
    s.swept = t;
    for (const id in s.touches) if (((s.touches[id] as Touch[]).at(-1)?.[1] ?? 0) < t - window) delete s.touches[id];
    for (const id in s.transfers) if ((s.transfers[id] as [string[], number])[1] < t - window) delete s.transfers[id];
    for (const key in v.pairs) if ((v.pairs[key] as Pair).t < t - window) delete v.pairs[key];
    env.markDirty(`v:${vendor}:pairs`);
  }
  return s;
}

/** A ticket of customer `c` moved between agents (a transfer explains a shared customer). */
export function collusionTransfer(env: CollusionEnv, vendor: string, c: string, from: string, to: string, t: number): void {
  const s = shard(env, vendor, c, t);
  const tr = s.transfers[c] ?? (s.transfers[c] = [[], t]);
  for (const x of [from, to]) if (!tr[0].includes(x)) tr[0].push(x);
  tr[1] = t;
}

/** Folds a lookup of customer `c` by `a`; raises evidence against both agents of a pair whose
 *  sharing is improbable. */
export function collusionLookup(env: CollusionEnv, a: AgentState, ev: Ev, c: string): void {
  const window = env.config.collusionDays * DAY_MS;
  const v = env.vendor(a.vendor);
  env.markDirty(`v:${a.vendor}:pairs`);
  bump((v.lookups[a.id] ??= [ev.t, 0, 0]), ev.t, window / 2, 1);
  bump(v.total, ev.t, window / 2, 1);
  const s = shard(env, a.vendor, c, ev.t);
  const touches = (s.touches[c] ?? []).filter((x) => x[1] >= ev.t - window);
  const transferred = s.transfers[c]?.[0] ?? [];
  const partners = new Set<string>();
  for (const [other, , seq] of touches) {
    if (other === a.id || partners.has(other) || (transferred.includes(other) && transferred.includes(a.id))) continue;
    partners.add(other);
    sharedCustomer(env, v, a, ev, other, c, seq, window);
  }
  if (partners.size > 0) bump(v.repeats, ev.t, window / 2, 1);
  touches.push([a.id, ev.t, ev.seq]);
  if (touches.length > 6) touches.shift();
  s.touches[c] = touches;
}

function sharedCustomer(env: CollusionEnv, v: VendorState, a: AgentState, ev: Ev, otherId: string, c: string, otherSeq: number, window: number): void {
  const key = a.id < otherId ? `${a.id}|${otherId}` : `${otherId}|${a.id}`;
  let p = v.pairs[key];
  if (!p || ev.t - p.t > window) p = v.pairs[key] = { n: 0, t: ev.t, seqs: [], customers: {}, emitted: 0 };
  if (p.customers[c] !== undefined) return;
  p.customers[c] = 1;
  p.n++;
  p.t = ev.t;
  remember(p.seqs, otherSeq);
  remember(p.seqs, ev.seq);
  if (p.n < SHARED_MIN) return;
  const expected = expectedShared(v, a.id, otherId);
  const tail = poissonTail(p.n, expected);
  if (tail >= TAIL) return;
  const ring = tail < RING_TAIL;
  const total = ring ? Math.max(30, p.emitted + env.config.risk.contain) : Math.min(30, 2 * (-Math.log10(tail) - 4) + 3);
  const points = total - p.emitted;
  if (points <= 0) return;
  p.emitted = total;
  for (const id of [a.id, otherId]) {
    const agent = id === a.id ? a : env.agent(id);
    if (!agent) continue;
    env.emit(agent, ev, 'collusion', points, {
      seqs: p.seqs.slice(-12),
      figures: { sharedCustomers: p.n, tailProbability: Number(tail.toPrecision(3)), windowDays: r3(window / DAY_MS) },
      baseline: { sharedExpected: r3(expected), vendorRepeatShare: r3(share(v)) },
      summary: `shares ${p.n} looked-up customers with ${id === a.id ? otherId : a.id} (same vendor, no ticket transfer; ${r3(expected)} expected by chance, probability ${tail.toPrecision(2)})${ring ? ': a shared target list — both contained' : ''}`,
    });
  }
}

function share(v: VendorState): number {
  return (v.repeats[1] + v.repeats[2] + 1) / (v.total[1] + v.total[2] + 20);
}

/** Shared customers a pair would have by chance: each agent's lookups that are repeats, landing
 *  on the other agent in proportion to the other's share of the vendor's lookups. */
function expectedShared(v: VendorState, x: string, y: string): number {
  const n = (id: string) => { const b = v.lookups[id]; return b ? b[1] + b[2] : 0; };
  const total = Math.max(1, v.total[1] + v.total[2]);
  const nx = n(x);
  const ny = n(y);
  return share(v) * (nx * (ny / total) + ny * (nx / total)) + 0.05;
}

/** P(X ≥ k) for X ~ Poisson(lambda). */
export function poissonTail(k: number, lambda: number): number {
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return Math.max(0, 1 - below);
}

/** Points for the partner of a contained agent when their sharing was already improbable. */
const PARTNER_POINTS = 8;

/** `a` was contained: each partner of an improbable pair gets the pair's evidence again (a
 *  ring is contained member by member, not left running once one member is stopped). */
export function collusionContained(env: CollusionEnv, a: AgentState, ev: Ev): void {
  const v = env.vendor(a.vendor);
  for (const key in v.pairs) {
    const p = v.pairs[key] as Pair;
    const [x, y] = key.split('|');
    if (p.emitted <= 0 || (x !== a.id && y !== a.id)) continue;
    const partner = env.agent((x === a.id ? y : x) as string);
    if (!partner) continue;
    env.emit(partner, ev, 'collusion', PARTNER_POINTS, {
      seqs: p.seqs.slice(-12), figures: { sharedCustomers: p.n }, baseline: {},
      summary: `shares ${p.n} looked-up customers with ${a.id}, who was just contained`,
    });
  }
}
