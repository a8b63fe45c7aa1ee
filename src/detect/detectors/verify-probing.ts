// Verify probing: verification used as an oracle — failed checks spread over many customers.
// The first verify of each customer per working day is one Bernoulli outcome (failed or not);
// a CUSUM against the agent's normal failure rate (smoothed toward peers) accumulates evidence.
// Callers who fail once and then pass count once, as one failure, like everyone else.
// A second CUSUM counts the customers whose verification failed AGAIN after a failed first
// attempt: an honest caller who misremembers usually gets it right on the retry (about 1 in
// 100 verified customers fails twice on a normal desk), while an oracle prober fails every
// attempt, so each such customer is strong evidence from the first minutes.
import { foldBernoulli, type AgentState, type CusumState } from '../agent-state.js';
import { workDay } from '../context.js';
import { baselineRate } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** Evidence the repeat-failure CUSUM keeps before it scores: about two repeat failures in a row
 *  (ln(0.3 / p0) ≈ 3.0 each), which an honest desk shows about once in 10,000 customers; a
 *  third close behind scores. */
const AGAIN_FLOOR = 6;
/** Customers of an honest desk whose verification fails on the first attempt and again on a
 *  retry (the model: 8 % fail first, 60 % of those retry, 20 % of retries fail ≈ 1 %), with
 *  half again of room for a harder caller population. The agent's own rate never counts above
 *  this (a prober's own failures must not lift its baseline: at a cap of 1.5× each later probe
 *  scored ≈ 2.0 instead of 3.0) and never below 1 %. */
const PRIOR_AGAIN_RATE = 0.015;
/** The rate the repeat-failure CUSUM tests against. A prober fails every retry, but a higher
 *  rate would make each honest customer between two probes (ln(0.4 / 0.97) ≈ −0.9 at 0.6; −0.34
 *  at 0.3) wipe out the evidence: a prober works between ordinary calls. Time, not honest
 *  customers, is what clears an honest desk's evidence (AGAIN_HALF_LIFE_MS). */
const AGAIN_RATE = 0.3;
/** Half-life (ms) of the repeat-failure evidence: a prober fails retry after retry within
 *  minutes, while an honest desk's rare double failures lie hours apart (in the model, benign
 *  false containments 4 -> 2 and verify-prober ABC max 6 -> 5 over 20 seeds each). */
const AGAIN_HALF_LIFE_MS = 3 * 3_600_000;
/** Risk points per unit of repeat-failure evidence above the floor: a failed retry on customer
 *  after customer is the prober's own signature (an honest desk shows two in a row about once
 *  in 10,000 customers, three about once in a million), so together with the first-attempt
 *  CUSUM it contains a prober by the fourth or fifth customer. */
const AGAIN_WEIGHT = 5;

/** Folds a verify record (allowed with details.matched, or denied as locked) of `a`. */
export function probeVerify(env: Env, a: AgentState, ev: Ev, customerId: string): void {
  const p = a.probe;
  const day = workDay(env.ctx.agent(a.id)?.shift, ev.t);
  if (day !== p.day) {
    p.day = day;
    p.seen = {};
  }
  const failed = !ev.allow || ev.details.matched !== true;
  const seen = p.seen[customerId];
  if (seen !== undefined) {
    if (seen === 2) {
      p.seen[customerId] = 1;
      if (failed) failedAgain(env, a, ev, true);
    }
    return;
  }
  p.seen[customerId] = failed ? 2 : 1;
  if (!failed) failedAgain(env, a, ev, false);
  const peer = env.peerOf(a);
  const peerFail = (peer.verifyFail - p.hits + 1) / (peer.verifyN - p.n + 12);
  const p0 = baselineRate(p.hits, p.n, peerFail, 20, 1.5, 0.04, 0.25);
  const points = foldBernoulli(p, failed, ev.seq, p0, Math.max(0.6, 3 * p0), FLOOR);
  peer.verifyN++;
  if (failed) peer.verifyFail++;
  if (points > 0) {
    env.emit(a, ev, 'verify_probing', points, {
      seqs: p.recent.slice(-10),
      figures: { cusum: r3(p.s), customersFailed: p.hits, customersVerified: p.n },
      baseline: { failRate: r3(p0), peerFailRate: r3(peerFail) },
      summary: `failed verifications spread over customers: CUSUM ${r3(p.s)} (normal first-attempt failure rate ${r3(p0)})`,
    });
  }
}

/** Folds one outcome of the repeat-failure CUSUM: `again` (a retry failed after a failed first
 *  attempt) or not (the first attempt passed). Scores under `verify_probing`. */
function failedAgain(env: Env, a: AgentState, ev: Ev, again: boolean): void {
  const r = (a.probeAgain ??= { s: 0, n: 0, hits: 0, recent: [] } satisfies CusumState);
  r.s *= 2 ** (-Math.max(0, ev.t - (r.t ?? ev.t)) / AGAIN_HALF_LIFE_MS);
  r.t = ev.t;
  const p0 = baselineRate(r.hits, r.n, PRIOR_AGAIN_RATE, 20, 1, 0.01, 0.2);
  const points = AGAIN_WEIGHT * foldBernoulli(r, again, ev.seq, p0, AGAIN_RATE, AGAIN_FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'verify_probing', points, {
      seqs: r.recent.slice(-10),
      figures: { cusum: r3(r.s), customersFailedAgain: r.hits, customersVerified: r.n },
      baseline: { failAgainRate: r3(p0) },
      summary: `verification failed again after a failed first attempt, customer after customer: CUSUM ${r3(r.s)} (normal rate ${r3(p0)})`,
    });
  }
}
