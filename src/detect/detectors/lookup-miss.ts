// Lookup misses: an agent whose lookups keep finding nobody (no match, several, erased, or a
// policy denial — the broker records each as a denied `lookup` with `details.miss`) is
// guessing identifiers or working through a list. Each lookup is one Bernoulli outcome; a
// CUSUM against the agent's normal miss rate (smoothed toward a prior of callers who mistype)
// accumulates evidence, so a caller who spells an address wrong twice costs nothing and a run
// of misses raises risk. docs/design/detect.md (issue 10.7).
import { foldBernoulli, type AgentState, type CusumState } from '../agent-state.js';
import { baselineRate } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** The share of lookups that miss for an honest desk (wrong or mistyped identifiers). */
const PRIOR_MISS_RATE = 0.1;

/** Folds one lookup outcome of `a` (`missed`: a denied lookup with `details.miss`). */
export function lookupOutcome(env: Env, a: AgentState, ev: Ev, missed: boolean): void {
  const m = (a.lookupMiss ??= { s: 0, n: 0, hits: 0, recent: [] } satisfies CusumState);
  const p0 = baselineRate(m.hits, m.n, PRIOR_MISS_RATE, 20, 1.5, 0.05, 0.25);
  const points = foldBernoulli(m, missed, ev.seq, p0, Math.max(0.6, 3 * p0), FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'lookup_miss', points, {
      seqs: m.recent.slice(-10),
      figures: { cusum: r3(m.s), misses: m.hits, lookups: m.n },
      baseline: { missRate: r3(p0) },
      summary: `lookups that find no customer: CUSUM ${r3(m.s)} (normal miss rate ${r3(p0)})`,
    });
  }
}
