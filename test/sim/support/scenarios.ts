// Small day-1 insider scenarios shared by the simulator's tests.
import type { Purpose } from '../../../src/fields/catalog-types.js';
import type { Scenario } from '../../../src/sim/scenarios.js';
import type { Task } from '../../../src/sim/tasks.js';
import { shiftStartOn, type SimAgent, type SimWorld } from '../../../src/sim/world.js';

/** A scenario in which, on day 1, the first caller visits `targets` in order — a lookup by `key`
 *  `firstMin` minutes into the shift and every `gapMin` after, each with one view and a close
 *  and nothing customer-facing in between. */
export function dayOneVisits(name: string, purpose: Purpose, key: Task['key'], firstMin: number, gapMin: number, targets: (w: SimWorld, a: SimAgent) => number[]): Scenario {
  return {
    name, kind: 'insider', title: name, basis: 'test', target: 5,
    setup(w) {
      const a = w.agents.find((x) => x.skill === 'phone' || x.skill === 'mixed') ?? (w.agents[0] as SimAgent);
      const list = targets(w, a);
      return {
        insiders: [a],
        day(day, ctx) {
          const s = shiftStartOn(w, a, day);
          if (day !== 1 || s === undefined) return;
          list.forEach((c, i) => {
            const task = ctx.task(a, c, purpose, 'phone', key, ctx.clientOf(a, day), true);
            const t = s + firstMin * 60_000 + i * gapMin * 60_000;
            ctx.push({ t, task, kind: 'lookup' });
            ctx.push({ t: t + 20_000, task, kind: 'view' });
            ctx.push({ t: t + 60_000, task, kind: 'close' });
          });
        },
      };
    },
  };
}

/** Five customers of the caller's region, a decoy, then five more. */
export const tiny = dayOneVisits('tiny', 'general_inquiry', 'accountId', 60, 5, (w, a) => {
  const mine = (w.customers.byRegion[a.region] as readonly number[]).slice(0, 10);
  return [...mine.slice(0, 5), w.decoys[0] as number, ...mine.slice(5)];
});

/** Sixteen pro or VIP customers of the caller's region, four minutes apart: the orphaned lookups
 *  raise lookup follow-up and balance skew, whose signals name the orphaned lookup's (older) record. */
export const orphans = dayOneVisits('orphans', 'withdrawal_issue', 'email', 30, 4, (w, a) =>
  (w.customers.byRegion[a.region] as readonly number[]).filter((i) => (w.customers.tier[i] ?? 0) > 0 && w.customers.decoy[i] !== 1).slice(0, 16));

/** On day 1, an hour before the first caller's shift (their session not used yet), a thief
 *  replays that day's session cookie from another device and network: `visits` lookups of the
 *  caller's region, a minute apart, each with a view. */
export function hijackBeforeShift(visits: number): Scenario {
  return {
    name: 'hijack-before-shift', kind: 'insider', title: 'hijack before shift', basis: 'test', target: 5,
    setup(w) {
      const a = w.agents.find((x) => x.skill === 'phone' || x.skill === 'mixed') ?? (w.agents[0] as SimAgent);
      const list = (w.customers.byRegion[a.region] as readonly number[]).filter((i) => w.customers.decoy[i] !== 1).slice(0, visits);
      return {
        insiders: [a],
        day(day, ctx) {
          const s = shiftStartOn(w, a, day);
          if (day !== 1 || s === undefined) return;
          const own = ctx.clientOf(a, day);
          const thief = { net: 'net-thief', dev: 'dev-thief', sess: own.sess, signedInFrom: { net: own.net, dev: own.dev } };
          list.forEach((c, i) => {
            const task = ctx.task(a, c, 'account_access', 'phone', 'email', thief, true);
            const t = s - 60 * 60_000 + i * 60_000;
            ctx.push({ t, task, kind: 'lookup' });
            ctx.push({ t: t + 20_000, task, kind: 'view' });
          });
        },
      };
    },
  };
}
