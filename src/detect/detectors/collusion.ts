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
 *  Benign pairs of the simulated world bottom out near 1e-5 (20 seeds) once their count and its
 *  expectation cover the same window (near 1e-9 when the count ran on past the window). */
const RING_TAIL = 1e-7;
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

/** A pair of agents and the customers they share: `customers` maps each shared customer to
 *  the time (ms) it became shared; `n` counts those within the window. */
export interface Pair {
  n: number;
  t: number;
  seqs: number[];
  customers: Record<string, number>;
  emitted: number;
  /** The lowest tail probability the pair reached. */
  tail?: number;
}

/** Two half-window buckets of a count: [start of current bucket, current, previous]. */
export type Buckets = [number, number, number];

/** A vendor's collusion state: pairs, lookup and repeat volumes in the window, and the time
 *  (ms) of the group's first lookup. */
export interface VendorState {
  shards: Record<string, CollusionShard>;
  pairs: Record<string, Pair>;
  lookups: Record<string, Buckets>;
  total: Buckets;
  repeats: Buckets;
  since?: number;
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
  v.since ??= ev.t;
  const s = shard(env, a.vendor, c, ev.t);
  const touches = (s.touches[c] ?? []).filter((x) => x[1] >= ev.t - window);
  const transferred = s.transfers[c]?.[0] ?? [];
  const partners = new Set<string>();
  let normal = false;
  for (const [other, , seq] of touches) {
    if (other === a.id || partners.has(other) || (transferred.includes(other) && transferred.includes(a.id))) continue;
    partners.add(other);
    if (!sharedCustomer(env, v, a, ev, other, c, seq, window)) normal = true;
  }
  bump(v.repeats, ev.t, window / 2, normal ? 1 : 0);
  touches.push([a.id, ev.t, ev.seq]);
  if (touches.length > 6) touches.shift();
  s.touches[c] = touches;
}

/** Folds customer `c` shared by `a` and `otherId`; true when the pair is (now) improbable. */
function sharedCustomer(env: CollusionEnv, v: VendorState, a: AgentState, ev: Ev, otherId: string, c: string, otherSeq: number, window: number): boolean {
  const key = a.id < otherId ? `${a.id}|${otherId}` : `${otherId}|${a.id}`;
  let p = v.pairs[key];
  if (!p || ev.t - p.t > window) p = v.pairs[key] = { n: 0, t: ev.t, seqs: [], customers: {}, emitted: 0 };
  if (p.customers[c] !== undefined) return p.emitted > 0;
  p.customers[c] = ev.t;
  for (const x in p.customers) if ((p.customers[x] as number) < ev.t - window) delete p.customers[x];
  p.n = Object.keys(p.customers).length;
  p.t = ev.t;
  remember(p.seqs, otherSeq);
  remember(p.seqs, ev.seq);
  if (p.n < SHARED_MIN) return false;
  const expected = expectedShared(v, a.id, otherId, ev.t, window, p);
  const tail = poissonTail(p.n, expected);
  p.tail = Math.min(p.tail ?? 1, tail);
  if (tail >= TAIL) return p.emitted > 0;
  const ring = tail < RING_TAIL;
  const total = ring ? Math.max(30, p.emitted + env.config.risk.contain) : Math.min(30, 2 * (-Math.log10(tail) - 4) + 3);
  const points = total - p.emitted;
  if (points > 0) emitPair(env, v, a, otherId, ev, p, points, tail, expected, ring, window);
  // A member still working after a partner was contained: the ring rule applies now.
  const other = env.agent(otherId);
  if (!ring && other?.contained && !a.contained) partnerOfContained(env, v, otherId, a, ev, true);
  return true;
}

function emitPair(env: CollusionEnv, v: VendorState, a: AgentState, otherId: string, ev: Ev, p: Pair, points: number, tail: number, expected: number, ring: boolean, window: number): void {
  // From now on this pair's sharing is evidence, not part of the group's normal repeat share.
  if (p.emitted === 0) v.repeats[1] = Math.max(0, v.repeats[1] - p.n);
  p.emitted += points;
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

/** The group's share of lookups that repeat another member's customer, leaving out `own`
 *  repeats (the pair under test's; negative: put back in; repeats within pairs already
 *  improbable are never counted): a ring's own sharing must not raise its expectation. */
function share(v: VendorState, own = 0): number {
  return (Math.max(0, v.repeats[1] + v.repeats[2] - own) + 1) / (v.total[1] + v.total[2] + 20);
}

/** Lookups in the window of `b` at `t` and the time span (ms) they cover: the current bucket
 *  and the previous half window while they are within the window. A bucket that never rolled
 *  (nothing before its start: a new group or agent) covers only the time since its start (at
 *  least MIN_SPAN_MS), so early rates are not diluted by time before anybody looked anything up. */
function windowed(b: Buckets | undefined, t: number, half: number): [number, number] {
  if (!b || t - b[0] >= 2 * half) return [0, 2 * half];
  if (t - b[0] >= half) return [b[1], Math.max(half, t - b[0])];
  return [b[1] + b[2], b[2] > 0 ? t - b[0] + half : Math.max(MIN_SPAN_MS, t - b[0])];
}

/** Lookups of the rest of a group (in the window) below which the group is too small to say
 *  what normal sharing is without the pair's own repeats. */
const MIN_REFERENCE = 100;
/** The shortest span a rate is taken over. */
const MIN_SPAN_MS = 6 * 3_600_000;

/** The rest of the group (without `x` and `y`) has enough lookups to say what normal sharing is. */
function hasReference(v: VendorState, x: string, y: string, t: number, half: number): boolean {
  const n = (id: string) => windowed(v.lookups[id], t, half)[0];
  const others = windowed(v.total, t, half)[0] - n(x) - n(y);
  return others >= MIN_REFERENCE && others >= n(x) + n(y);
}

/** Shared customers a pair would have by chance within the pair's window: each agent's lookups
 *  that are repeats, landing on the other agent in proportion to the other's share of the
 *  group's lookups. Volumes are taken as rates (lookups per ms over the span their buckets
 *  cover) and applied to the window the shared customers are counted in (`window` ms, or the
 *  group's age when younger), so a pair's count and its expectation cover the same time. */
function expectedShared(v: VendorState, x: string, y: string, t: number, window: number, p: Pair): number {
  const half = window / 2;
  const rate = (b: Buckets | undefined) => { const [n, span] = windowed(b, t, half); return n / span; };
  const rx = rate(v.lookups[x]);
  const ry = rate(v.lookups[y]);
  const rt = Math.max(rate(v.total), rx, ry, 1 / window);
  const span = Math.min(window, Math.max(DAY_MS, t - (v.since ?? t)));
  // The pair's own repeats are left out while it is not yet improbable (an improbable pair's were
  // taken out of the group's share when it became so). That needs a reference: other members
  // with enough lookups of their own. A small group (two or three agents of a vendor in a
  // jurisdiction) has none, and there the pair's repeats stay in (or are put back in). The
  // repeat share of all groups was tried instead: in a world of few customers it contained
  // benign pairs of small groups.
  const flagged = p.emitted > 0;
  const own = hasReference(v, x, y, t, half) ? (flagged ? 0 : p.n) : flagged ? -p.n : 0;
  return share(v, own) * 2 * ((rx * ry) / rt) * span + 0.05;
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
/** Tail probability below which sharing with a contained agent contains the partner too. */
const PARTNER_TAIL = 1e-6;

/** The agents with whom `id` shares improbably many customers (pairs that raised evidence). */
function improbablePartners(v: VendorState, id: string): string[] {
  const out: string[] = [];
  for (const key in v.pairs) {
    const [x, y] = key.split('|') as [string, string];
    if ((v.pairs[key] as Pair).emitted > 0 && (x === id || y === id)) out.push(x === id ? y : x);
  }
  return out;
}

/** `a` was contained: each partner of an improbable pair gets the pair's evidence again (a
 *  ring is contained member by member, not left running once one member is stopped); an agent
 *  sharing customers with `a` whose sharing with all contained agents together is below
 *  PARTNER_TAIL, or with two or more improbable partners now contained, is contained too (the last member of a ring, whose own sharing stops growing
 *  once the others are stopped). */
export function collusionContained(env: CollusionEnv, a: AgentState, ev: Ev): void {
  const v = env.vendor(a.vendor);
  for (const key in v.pairs) {
    const [x, y] = key.split('|') as [string, string];
    const q = v.pairs[key] as Pair;
    if ((x !== a.id && y !== a.id) || q.n < 2) continue;
    const partner = env.agent(x === a.id ? y : x);
    // Partners of an improbable pair get the evidence; others sharing a few customers are
    // judged again only by the ring rule (their sharing with every contained agent together).
    if (partner && !partner.contained) partnerOfContained(env, v, a.id, partner, ev, q.emitted <= 0);
  }
}

/** Evidence against `partner`, whose pair with the contained agent `containedId` is improbable:
 *  the ring rule above, or (unless `chainOnly`) PARTNER_POINTS. The sharing with contained
 *  agents is taken together: the tails of every such pair (of at least two customers) multiply,
 *  and a product below PARTNER_TAIL is a member of the same ring. */
function partnerOfContained(env: CollusionEnv, v: VendorState, containedId: string, partner: AgentState, ev: Ev, chainOnly: boolean): void {
  const window = env.config.collusionDays * DAY_MS;
  const key = (x: string, y: string) => (x < y ? `${x}|${y}` : `${y}|${x}`);
  const p = v.pairs[key(containedId, partner.id)] as Pair;
  const stopped = improbablePartners(v, partner.id).filter((id) => id === containedId || env.agent(id)?.contained);
  let log10 = 0;
  const with_: string[] = [];
  for (const k in v.pairs) {
    const [x, y] = k.split('|') as [string, string];
    const other = x === partner.id ? y : y === partner.id ? x : undefined;
    const q = v.pairs[k] as Pair;
    if (other === undefined || q.n < 2 || ev.t - q.t > window || (other !== containedId && !env.agent(other)?.contained)) continue;
    log10 += Math.log10(poissonTail(q.n, expectedShared(v, partner.id, other, ev.t, window, q)));
    with_.push(`${other} (${q.n})`);
  }
  const combined = 10 ** log10;
  const chain = stopped.length >= 2 || combined < PARTNER_TAIL;
  if (!chain && chainOnly) return;
  env.emit(partner, ev, 'collusion', chain ? Math.max(PARTNER_POINTS, env.config.risk.contain) : PARTNER_POINTS, {
    seqs: p.seqs.slice(-12), figures: { sharedCustomers: p.n, containedPartners: stopped.length, combinedProbability: Number(combined.toPrecision(3)) }, baseline: {},
    summary: chain
      ? `shares looked-up customers with contained agents ${with_.join(', ')} (together probability ${combined.toPrecision(2)}${stopped.length >= 2 ? `; ${stopped.length} improbable partners contained` : ''}): a member of the same ring — contained`
      : `shares ${p.n} looked-up customers with ${containedId}, who was just contained`,
  });
}
