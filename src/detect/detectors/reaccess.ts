// Re-access (stalking): an agent looking up the same customer again on later days. A customer
// calling back and reaching the same agent happens, once; a third and fourth return to the same
// one to five people is the pattern of someone watching them.
import type { AgentState } from '../agent-state.js';
import { workDay } from '../context.js';
import type { Env, Ev } from './env.js';

/** Days a lookup is remembered. */
const MEMORY_DAYS = 60;
/** Points by the number of earlier days the customer was looked up: 1, 2, 3 or more. */
const POINTS = [0, 2, 6, 10] as const;

/** Folds a lookup of customer `c` by `a`. */
export function reaccessLookup(env: Env, a: AgentState, ev: Ev, c: string): void {
  const day = workDay(env.ctx.agent(a.id)?.shift, ev.t);
  if (a.lookups % 64 === 0) prune(a, day);
  const days = a.lookedUp[c] ?? (a.lookedUp[c] = []);
  const earlier = days.filter((d) => d < day && d > day - MEMORY_DAYS);
  if (earlier.length > 0) {
    const points = POINTS[Math.min(earlier.length, 3)] as number;
    env.emit(a, ev, 'reaccess', points, {
      seqs: [ev.seq], figures: { earlierDays: earlier.length, firstDaysAgo: day - (earlier[0] as number) }, baseline: { memoryDays: MEMORY_DAYS },
      summary: `looked up the same customer again, on ${earlier.length + 1} different days`,
    });
  }
  if (days.at(-1) !== day) days.push(day);
  if (days.length > 8) days.shift();
}

function prune(a: AgentState, day: number): void {
  for (const c in a.lookedUp) {
    const days = a.lookedUp[c] as number[];
    if ((days.at(-1) ?? -Infinity) <= day - MEMORY_DAYS) delete a.lookedUp[c];
  }
}
