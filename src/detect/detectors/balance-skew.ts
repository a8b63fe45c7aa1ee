// Skew toward high-balance customers: among the customers an agent reaches by lookup, the share
// in the pro/VIP tiers (and in VIP alone) against what the agent's routed tickets show of the
// population they serve (smoothed toward the peer group's routed share). A VIP desk routes VIPs,
// so its expectation is high; a front-line agent who looks up a list of VIPs stands out.
import { remember, type AgentState, type CusumState } from '../agent-state.js';
import type { BalanceTier } from '../context.js';
import { bernoulliLlr, clamp, cusum, excessAbove } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** Weight of the peer group's share against the agent's own routed tickets (pseudo-tickets). */
const PRIOR = 50;

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

/** Tests the tier of a customer reached by `a`'s lookup. */
export function skewLookup(env: Env, a: AgentState, ev: Ev, tier: BalanceTier): void {
  const peer = env.peerOf(a);
  const peerHigh = (peer.routedHigh + 1) / (peer.routedN + 12);
  const peerVip = (peer.routedVip + 0.1) / (peer.routedN + 15);
  const p0High = clamp((a.routedHigh + PRIOR * peerHigh) / (a.routedN + PRIOR), 0.02, 0.9);
  const p0Vip = clamp((a.routedVip + PRIOR * peerVip) / (a.routedN + PRIOR), 0.004, 0.9);
  step(env, a, ev, a.skewHigh, tier !== 'standard', p0High, Math.min(0.95, Math.max(0.35, 3 * p0High)), 'pro or VIP');
  step(env, a, ev, a.skewVip, tier === 'vip', p0Vip, Math.min(0.95, Math.max(0.3, 5 * p0Vip)), 'VIP');
}

function step(env: Env, a: AgentState, ev: Ev, c: CusumState, hit: boolean, p0: number, p1: number, label: string): void {
  if (p1 <= p0) return;
  const [h, m] = bernoulliLlr(p0, p1);
  const before = c.s;
  c.s = cusum(c.s, hit ? h : m);
  c.n++;
  if (hit) {
    c.hits++;
    remember(c.recent, ev.seq);
  }
  const points = excessAbove(before, c.s, FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'balance_skew', points, {
      seqs: c.recent.slice(-10),
      figures: { cusum: r3(c.s), highTierLookups: c.hits, lookups: c.n },
      baseline: { expectedShare: r3(p0), routedTickets: a.routedN },
      summary: `${c.hits} of ${c.n} looked-up customers are ${label}; routed work explains a share of ${r3(p0)}`,
    });
  }
}
