// Collusion: the same customers reached by lookup by several agents of one vendor, with no
// ticket transfer between them. A customer calling twice and reaching two agents happens; one
// pair of agents sharing three or more looked-up customers within the window does not (a ring
// splitting a target list so that each member stays under every per-agent threshold).
import { remember, type AgentState } from '../agent-state.js';
import { r3, type Env, type Ev } from './env.js';

const DAY_MS = 86_400_000;
/** Shared customers of one pair at which evidence starts, and the points per customer from there. */
const SHARED_MIN = 3;
const POINTS_PER_SHARED = 3;
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
}

/** A vendor's collusion state. */
export interface VendorState {
  shards: Record<string, CollusionShard>;
  pairs: Record<string, Pair>;
}

/** What the detector needs from the engine besides Env. */
export interface CollusionEnv extends Env {
  agent(id: string): AgentState | undefined;
  vendor(name: string): VendorState;
  markDirty(key: string): void;
}

/** The shard number of customer `c`. */
export function shardOf(c: string): number {
  let h = 0;
  for (let i = 0; i < c.length; i++) h = (h * 31 + c.charCodeAt(i)) | 0;
  return (h >>> 0) % COLLUSION_SHARDS;
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

/** Folds a lookup of customer `c` by `a`; raises evidence against both agents of a pair once
 *  they share SHARED_MIN customers. */
export function collusionLookup(env: CollusionEnv, a: AgentState, ev: Ev, c: string): void {
  const window = env.config.collusionDays * DAY_MS;
  const s = shard(env, a.vendor, c, ev.t);
  const touches = (s.touches[c] ?? []).filter((x) => x[1] >= ev.t - window);
  const transferred = s.transfers[c]?.[0] ?? [];
  const partners = new Set<string>();
  for (const [other, , seq] of touches) {
    if (other === a.id || partners.has(other) || (transferred.includes(other) && transferred.includes(a.id))) continue;
    partners.add(other);
    sharedCustomer(env, a, ev, other, c, seq, window);
  }
  touches.push([a.id, ev.t, ev.seq]);
  if (touches.length > 6) touches.shift();
  s.touches[c] = touches;
}

function sharedCustomer(env: CollusionEnv, a: AgentState, ev: Ev, otherId: string, c: string, otherSeq: number, window: number): void {
  const v = env.vendor(a.vendor);
  env.markDirty(`v:${a.vendor}:pairs`);
  const key = a.id < otherId ? `${a.id}|${otherId}` : `${otherId}|${a.id}`;
  let p = v.pairs[key];
  if (!p || ev.t - p.t > window) p = v.pairs[key] = { n: 0, t: ev.t, seqs: [], customers: {} };
  if (p.customers[c] !== undefined) return;
  p.customers[c] = 1;
  p.n++;
  p.t = ev.t;
  remember(p.seqs, otherSeq);
  remember(p.seqs, ev.seq);
  if (p.n < SHARED_MIN) return;
  for (const id of [a.id, otherId]) {
    const agent = id === a.id ? a : env.agent(id);
    if (!agent) continue;
    env.emit(agent, ev, 'collusion', POINTS_PER_SHARED, {
      seqs: p.seqs.slice(-12),
      figures: { sharedCustomers: p.n, windowDays: r3(window / DAY_MS) },
      baseline: { sharedCustomersExpected: 1 },
      summary: `shares ${p.n} looked-up customers with ${id === a.id ? otherId : a.id} (same vendor, no ticket transfer)`,
    });
  }
}
