// Policy denials (issue 15 item 4): an agent whose requests keep being refused — tickets not
// theirs or closed, fields their ticket's purpose does not open, reveals policy will not grant,
// decisions outside their role — is probing the edges of their access. Each request an agent
// makes on a ticket or customer is one Bernoulli outcome (refused or not); a CUSUM against the
// agent's normal refusal rate (smoothed toward a prior for stale tabs and misclicks) turns a
// run of refusals into risk, while the odd refusal costs nothing. Lookup misses, budget
// denials, locked verifies and decoys have their own detectors. docs/design/detect.md.
import { foldBernoulli, type AgentState, type CusumState } from '../agent-state.js';
import { baselineRate } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** The share of an honest agent's requests that are refused (a stale tab, a misclick). */
const PRIOR_DENIAL_RATE = 0.03;

/** The requests that count as trials. */
const TRIALS = new Set(['view', 'grant_use', 'verify', 'reveal_request', 'reveal_approve', 'reveal_deny', 'ticket_close', 'ticket_assign', 'break_glass', 'break_glass_approve', 'break_glass_deny', 'agent_suspend', 'agent_reinstate']);

/** True when the denied record `ev` is a policy denial this detector scores (not a budget,
 *  suspension or decoy answer of the guard, not a lookup miss, not a locked verify). */
export function isPolicyDenial(ev: Ev): boolean {
  if (ev.allow || !TRIALS.has(ev.action)) return false;
  if (typeof ev.details.guard === 'string') return false;
  return !(ev.action === 'verify' && ev.reason?.includes('locked'));
}

/** Folds one request of `a` (allowed, or a policy denial) into the refusal CUSUM. */
export function denialOutcome(env: Env, a: AgentState, ev: Ev): void {
  if (!TRIALS.has(ev.action)) return;
  const denied = isPolicyDenial(ev);
  if (!ev.allow && !denied) return;
  const m = (a.denials ??= { s: 0, n: 0, hits: 0, recent: [] } satisfies CusumState);
  const p0 = baselineRate(m.hits, m.n, PRIOR_DENIAL_RATE, 30, 1.5, 0.02, 0.2);
  const points = foldBernoulli(m, denied, ev.seq, p0, Math.max(0.5, 3 * p0), FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'denials', points, {
      seqs: m.recent.slice(-10),
      figures: { cusum: r3(m.s), refused: m.hits, requests: m.n },
      baseline: { refusalRate: r3(p0) },
      summary: `requests refused by policy again and again (latest: ${ev.action}, "${(ev.reason ?? 'denied').slice(0, 60)}"): ${m.hits} of ${m.n}, CUSUM ${r3(m.s)} against a normal refusal rate of ${r3(p0)}`,
    });
  }
}
