// Skew toward high-balance customers: among the customers an agent reaches by lookup with no
// customer-facing work after it (nobody called about them: the lookups an insider makes, while
// a real caller's lookup is explained by the call), the share in the pro/VIP tiers (and in VIP
// alone) against what the agent's routed tickets show of the
// population they serve (smoothed toward the peer group's routed share). A VIP desk routes VIPs,
// so its expectation is high; a front-line agent who looks up a list of VIPs stands out. When
// the peer group's own lookups (without the agent) reach high tiers more often — a VIP desk that
// calls VIPs proactively — that share is the expectation instead.
import { foldBernoulli, type AgentState, type CusumState } from '../agent-state.js';
import type { BalanceTier } from '../context.js';
import { clamp } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** Weight of the peer group's share against the agent's own routed tickets (pseudo-tickets). */
const PRIOR = 50;
/** Pseudo-lookups (of share 0) behind the peers' own lookup share. */
const LOOK_PRIOR = 10;

/** The skewed share tested against `p0`: `factor` × p0 (at least `floor`) while p0 is small,
 *  at most 60 % of the way from p0 to 1 when p0 is large (a VIP desk). */
function alternative(p0: number, factor: number, floor: number): number {
  return Math.min(p0 + (1 - p0) * 0.6, Math.max(floor, factor * p0));
}

/** Counts a routed (or assigned) ticket's customer tier into the agent's and peers' expectation. */
export function noteRouted(env: Env, a: AgentState, tier: BalanceTier): void {
  const peer = env.peerOf(a);
  a.routedN++;
  peer.routedN++;
  if (tier !== 'standard') {
    a.routedHigh++;
    peer.routedHigh++;
  }
  if (tier === 'vip') {
    a.routedVip++;
    peer.routedVip++;
  }
}

/** Tests the tier of a customer `a` looked up with no customer-facing work after it. */
export function skewLookup(env: Env, a: AgentState, ev: Ev, tier: BalanceTier): void {
  const peer = env.peerOf(a);
  const peerHigh = (peer.routedHigh + 1) / (peer.routedN + 12);
  const peerVip = (peer.routedVip + 0.1) / (peer.routedN + 15);
  const others = peer.skewN - a.skewHigh.n;
  const lookHigh = (peer.skewHigh - a.skewHigh.hits) / (others + LOOK_PRIOR);
  const lookVip = (peer.skewVip - a.skewVip.hits) / (others + LOOK_PRIOR);
  const p0High = clamp(Math.max((a.routedHigh + PRIOR * peerHigh) / (a.routedN + PRIOR), lookHigh), 0.02, 0.9);
  const p0Vip = clamp(Math.max((a.routedVip + PRIOR * peerVip) / (a.routedN + PRIOR), lookVip), 0.004, 0.9);
  peer.skewN++;
  if (tier !== 'standard') peer.skewHigh++;
  if (tier === 'vip') peer.skewVip++;
  step(env, a, ev, a.skewHigh, tier !== 'standard', p0High, alternative(p0High, 3, 0.35), 'pro or VIP');
  step(env, a, ev, a.skewVip, tier === 'vip', p0Vip, alternative(p0Vip, 5, 0.3), 'VIP');
}

function step(env: Env, a: AgentState, ev: Ev, c: CusumState, hit: boolean, p0: number, p1: number, label: string): void {
  if (p1 <= p0) return;
  const points = foldBernoulli(c, hit, ev.seq, p0, p1, FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'balance_skew', points, {
      seqs: c.recent.slice(-10),
      figures: { cusum: r3(c.s), highTierLookups: c.hits, lookups: c.n },
      baseline: { expectedShare: r3(p0), routedTickets: a.routedN },
      summary: `${c.hits} of ${c.n} looked-up customers are ${label}; routed work explains a share of ${r3(p0)}`,
    });
  }
}
