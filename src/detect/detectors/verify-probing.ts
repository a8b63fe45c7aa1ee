// Verify probing: verification used as an oracle — failed checks spread over many customers.
// The first verify of each customer per working day is one Bernoulli outcome (failed or not);
// a CUSUM against the agent's normal failure rate (smoothed toward peers) accumulates evidence.
// Callers who fail once and then pass count once, as one failure, like everyone else.
import { remember, type AgentState } from '../agent-state.js';
import { workDay } from '../context.js';
import { baselineRate, bernoulliLlr, cusum, excessAbove } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;

/** Folds a verify record (allowed with details.matched, or denied as locked) of `a`. */
export function probeVerify(env: Env, a: AgentState, ev: Ev, customerId: string): void {
  const p = a.probe;
  const day = workDay(env.ctx.agent(a.id)?.shift, ev.t);
  if (day !== p.day) {
    p.day = day;
    p.seen = {};
  }
  if (p.seen[customerId] !== undefined) return;
  p.seen[customerId] = 1;
  const failed = !ev.allow || ev.details.matched !== true;
  const peer = env.peerOf(a);
  const peerFail = (peer.verifyFail - p.hits + 1) / (peer.verifyN - p.n + 12);
  const p0 = baselineRate(p.hits, p.n, peerFail, 20, 1.5, 0.04, 0.25);
  const [hit, miss] = bernoulliLlr(p0, Math.max(0.6, 3 * p0));
  const before = p.s;
  p.s = cusum(p.s, failed ? hit : miss);
  p.n++;
  peer.verifyN++;
  if (failed) {
    p.hits++;
    peer.verifyFail++;
    remember(p.recent, ev.seq);
  }
  const points = excessAbove(before, p.s, FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'verify_probing', points, {
      seqs: p.recent.slice(-10),
      figures: { cusum: r3(p.s), customersFailed: p.hits, customersVerified: p.n },
      baseline: { failRate: r3(p0), peerFailRate: r3(peerFail) },
      summary: `failed verifications spread over customers: CUSUM ${r3(p.s)} (normal first-attempt failure rate ${r3(p0)})`,
    });
  }
}
