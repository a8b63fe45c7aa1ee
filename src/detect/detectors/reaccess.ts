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

/** Days an orphan lookup is remembered, and the window of repeated orphans that contains. */
const ORPHAN_DAYS = 30;
/** Repeated orphan lookups (of any customers) in ORPHAN_DAYS that contain the agent. */
const ORPHAN_REPEATS_CONTAIN = 3;
/** Points for the first and second repeat (the third contains). */
const ORPHAN_POINTS = [6, 8] as const;

/** Folds a lookup of customer `c` made on `lookupT` (ms, seq `lookupSeq`) that the follow-up
 *  detector judged an orphan — nobody was verified on its ticket, so no caller was there. The
 *  same customer looked up as an orphan on an earlier day is stalking evidence far stronger than
 *  a call-back (a caller who calls back is verified); the third such repeat within 30 days —
 *  one to five people watched across unrelated tickets — contains the agent. */
export function reaccessOrphan(env: Env, a: AgentState, ev: Ev, c: string, lookupT: number, lookupSeq: number): void {
  const day = workDay(env.ctx.agent(a.id)?.shift, lookupT);
  const o = (a.orphans ??= { days: {}, repeats: [] });
  if (Object.keys(o.days).length > 200) for (const k in o.days) if (((o.days[k] as number[]).at(-1) ?? -Infinity) <= day - ORPHAN_DAYS) delete o.days[k];
  const days = o.days[c] ?? (o.days[c] = []);
  const earlier = days.filter((d) => d < day && d > day - ORPHAN_DAYS);
  if (days.at(-1) !== day) days.push(day);
  if (days.length > 6) days.shift();
  if (earlier.length === 0) return;
  o.repeats = o.repeats.filter(([d]) => d > day - ORPHAN_DAYS);
  o.repeats.push([day, lookupSeq]);
  const n = o.repeats.length;
  const points = n >= ORPHAN_REPEATS_CONTAIN ? Math.max(8, env.config.risk.contain - a.risk.v + 0.001) : ORPHAN_POINTS[n - 1] as number;
  env.emit(a, ev, 'stalking', points, {
    seqs: o.repeats.map(([, s]) => s).slice(-10),
    figures: { repeatedOrphanLookups: n, earlierDaysThisCustomer: earlier.length, firstDaysAgo: day - (earlier[0] as number) },
    baseline: { windowDays: ORPHAN_DAYS, containAt: ORPHAN_REPEATS_CONTAIN },
    summary: `looked up the same customer again on another day with nobody verified on either ticket (no caller): ${n} such repeat${n === 1 ? '' : 's'} in ${ORPHAN_DAYS} days${n >= ORPHAN_REPEATS_CONTAIN ? ' — the pattern of watching someone' : ''}`,
  });
}
