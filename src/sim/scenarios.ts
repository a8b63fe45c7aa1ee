// The scenarios: insiders whose parameters come from real incidents (DESIGN.md "Why it exists"),
// and benign controls that must not be contained. An insider reaches customers only as Keyhole
// allows: lookups by an identifier they were given (which open a ticket assigned to them) and
// tickets routed to them — so every pattern below is expressed in those terms.
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import type { Rng } from './rng.js';
import type { Client, Step, Task } from './tasks.js';
import { DEFAULT_WORKLOAD, type WorkloadOptions } from './workload.js';
import { SHIFT_MINUTES, shiftOn, shiftStartOn, SIM_REGIONS, type SimAgent, type SimWorld } from './world.js';

const MIN = 60_000;
const DAY_MS = 86_400_000;

/** What a plan may do each day. */
export interface PlanContext {
  readonly world: SimWorld;
  readonly rng: Rng;
  push(step: Step): void;
  task(agent: SimAgent, customer: number, purpose: Purpose, channel: Task['channel'], key: Task['key'], client: Client, malicious: boolean): Task;
  clientOf(agent: SimAgent, day: number): Client;
}

/** A scenario's effect on one run. */
export interface ScenarioPlan {
  readonly insiders: readonly SimAgent[];
  readonly workload?: Partial<WorkloadOptions>;
  /** Roster changes: from `day` the agent works `startMin` (UTC). */
  readonly rosterChanges?: ReadonlyArray<{ readonly day: number; readonly agent: SimAgent; readonly startMin: number }>;
  /** Pushes the insiders' steps for `day`. */
  day?(day: number, ctx: PlanContext): void;
}

/** A scenario. `target` is the accounts-before-containment goal (insiders only). */
export interface Scenario {
  readonly name: string;
  readonly kind: 'insider' | 'benign';
  readonly title: string;
  readonly basis: string;
  readonly target?: number;
  /** decoy, fast (bulk or fast harvesting, stolen credentials, verify probing), kraken, vip-list,
   *  ring (for the whole ring), stalker: the targets of issue 15 (ABC max over seeds, and
   *  contained in every run); slow: the steady low-rate patterns, measured without a target. */
  readonly group?: 'decoy' | 'fast' | 'kraken' | 'vip-list' | 'ring' | 'stalker' | 'slow';
  setup(world: SimWorld, rng: Rng, days: number): ScenarioPlan;
}

/** One malicious lookup and what follows it; returns when it ends. */
interface Visit {
  readonly purpose: Purpose;
  readonly key: Task['key'];
  readonly views?: number;
  readonly reveal?: readonly FieldName[];
  readonly approve?: number;
  readonly verify?: { readonly field: FieldName; readonly correct: boolean; readonly tries: number };
  readonly closeAfter?: number;
}

function visit(ctx: PlanContext, a: SimAgent, customer: number, t: number, client: Client, v: Visit): void {
  const task = ctx.task(a, customer, v.purpose, 'phone', v.key, client, true);
  const at = (dt: number, s: Omit<Step, 't' | 'task'>) => ctx.push({ t: Math.round(t + dt), task, ...s });
  at(0, { kind: 'lookup' });
  for (let k = 0; k < (v.views ?? 1); k++) at(20_000 + k * 40_000, { kind: 'view' });
  let dt = 20_000 + (v.views ?? 1) * 40_000;
  for (let k = 0; k < (v.verify?.tries ?? 0); k++) at((dt += 25_000), { kind: 'verify', field: (v.verify as Visit['verify'] & object).field, correct: v.verify?.correct ?? false });
  if (v.reveal) {
    at((dt += 20_000), { kind: 'reveal', fields: v.reveal });
    const region = ctx.world.customers.region[customer] ?? 0;
    const sup = ctx.world.supervisors[Math.max(0, ['in-house', 'northwind-bpo', 'atlas-cx'].indexOf(a.vendor)) * 3 + region] as SimAgent;
    at((dt += 3 * MIN), { kind: 'decide', approve: ctx.rng.chance(v.approve ?? 0.5), actor: sup });
    at((dt += MIN), { kind: 'view' });
  }
  at(dt + (v.closeAfter ?? 30_000), { kind: 'close' });
}

/** `n` times spread over [from, to) in order. */
function spread(rng: Rng, from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, () => from + rng.next() * (to - from)).sort((x, y) => x - y);
}

/** The shift window of `a` starting on `day`, or undefined. */
function window(w: SimWorld, a: SimAgent, day: number): [number, number] | undefined {
  const s = shiftStartOn(w, a, day);
  return s === undefined ? undefined : [s + 10 * MIN, s + (SHIFT_MINUTES - 20) * MIN];
}

/** A front-line agent who takes calls (so lookups are part of their job). */
function caller(w: SimWorld, rng: Rng, taken: readonly SimAgent[] = [], region?: number, vendor?: string): SimAgent {
  const pool = w.agents.filter((a) => (a.skill === 'phone' || a.skill === 'mixed') && !taken.includes(a) && (region === undefined || a.region === region) && (vendor === undefined || a.vendor === vendor));
  return rng.pick(pool.length > 0 ? pool : w.agents);
}

/** Customers of `region` with the given share in the pro/VIP tiers (a supplied list). */
function targetList(w: SimWorld, rng: Rng, region: number, n: number, highShare: number): number[] {
  const all = w.customers.byRegion[region] as readonly number[];
  const high = all.filter((i) => (w.customers.tier[i] ?? 0) > 0);
  return Array.from({ length: n }, () => (rng.chance(highShare) && high.length > 0 ? rng.pick(high) : rng.pick(all)));
}

/** A daily insider routine: from `startDay`, `perDay` visits spread over each worked shift. */
function daily(a: SimAgent, startDay: number, perDay: number, list: () => number, v: (i: number) => Visit, endDay = Infinity): (day: number, ctx: PlanContext) => void {
  let i = 0;
  return (day, ctx) => {
    if (day < startDay || day >= endDay) return;
    const win = window(ctx.world, a, day);
    if (!win) return;
    const client = ctx.clientOf(a, day);
    for (const t of spread(ctx.rng, win[0], win[1], perDay)) visit(ctx, a, list(), t, client, v(i++));
  };
}

const insider = (s: Omit<Scenario, 'kind'>): Scenario => ({ ...s, kind: 'insider' });
const benign = (s: Omit<Scenario, 'kind'>): Scenario => ({ ...s, kind: 'benign' });

/** Every scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  insider({
    name: 'kraken-recorder', group: 'kraken', target: 25, title: 'Screen recorder among normal work',
    basis: 'Kraken 2025–26: staff viewed and filmed ~2,000 accounts over weeks; here one agent, ~1,000 accounts over 4 weeks (50 a shift) by account id, next to their normal calls',
    setup(w, rng) {
      const a = caller(w, rng);
      const list = targetList(w, rng, a.region, 2000, 0.08);
      return { insiders: [a], day: daily(a, 5, 50, () => rng.pick(list), () => ({ purpose: 'account_access', key: 'accountId', views: 2, closeAfter: 40_000 })) };
    },
  }),
  insider({
    name: 'coinbase-harvester', group: 'fast', target: 5, title: 'Bribed harvester with a supplied target list',
    basis: 'Coinbase 2024–25: bribed outsourced agents pulled ID images and balances of 69,461 customers over ~5 months (~40 per agent-day); target list skewed to high balances',
    setup(w, rng) {
      const a = caller(w, rng, [], undefined, rng.pick(['northwind-bpo', 'atlas-cx']));
      const list = targetList(w, rng, a.region, 5000, 0.35);
      let k = 0;
      return {
        insiders: [a],
        day: daily(a, 3, 40, () => list[k++ % list.length] as number, (i) => (i % 2 === 0
          ? { purpose: 'kyc_review', key: 'email', reveal: ['kycDocuments'], approve: 0.3 }
          : { purpose: 'withdrawal_issue', key: 'email', reveal: ['totalBalance', 'holdings'], approve: 0.3 })),
      };
    },
  }),
  insider({
    name: 'twitter-vip-list', group: 'vip-list', target: 5, title: 'A supplied list of 130 high-profile accounts in a few hours',
    basis: 'Twitter, July 2020: social-engineered staff accessed 130 chosen high-profile accounts within hours; here 130 VIP customers, one every ~75 s, each with a reveal of the e-mail',
    setup(w, rng) {
      const a = caller(w, rng);
      const vips = rng.shuffle(w.customers.vipByRegion[a.region] as readonly number[]);
      let done = false;
      return {
        insiders: [a],
        day(day, ctx) {
          if (day < 10 || done) return;
          const win = window(ctx.world, a, day);
          if (!win) return;
          done = true;
          const client = ctx.clientOf(a, day);
          for (let i = 0; i < 130; i++) {
            visit(ctx, a, vips[i % Math.max(1, vips.length)] as number, win[0] + 60 * MIN + i * (60_000 + rng.int(30_000)), client,
              { purpose: 'account_access', key: 'accountId', reveal: ['email'], approve: 0.5, closeAfter: 10_000 });
          }
        },
      };
    },
  }),
  insider({
    name: 'cherry-picker', group: 'slow', title: 'Cherry-picking high-value customers',
    basis: 'Trend Micro 2019 / Morgan Stanley 2011–14 pattern: steady look-ups chosen for value; here 15 a shift, 60 % pro or VIP, balance band in view',
    setup(w, rng) {
      const a = caller(w, rng);
      const list = targetList(w, rng, a.region, 3000, 0.6);
      return { insiders: [a], day: daily(a, 5, 15, () => rng.pick(list), () => ({ purpose: 'withdrawal_issue', key: 'email' })) };
    },
  }),
  insider({
    name: 'verify-prober', group: 'fast', target: 5, title: 'Verification used as an oracle',
    basis: 'Probing verify-only fields (dates of birth from a leaked list) across many customers: 25 a shift, two failed attempts each',
    setup(w, rng) {
      const a = caller(w, rng);
      const list = targetList(w, rng, a.region, 3000, 0.1);
      return { insiders: [a], day: daily(a, 5, 25, () => rng.pick(list), () => ({ purpose: 'account_access', key: 'email', verify: { field: 'dateOfBirth', correct: false, tries: 2 } })) };
    },
  }),
  insider({
    name: 'vendor-ring', group: 'ring', target: 50, title: 'A ring of one vendor, each under every threshold',
    basis: 'Coinbase-style bribery of several agents of one BPO: 4 agents share a target list, 6 look-ups a shift each, every target seen by two members, with full cover (verification passed from leaked data)',
    setup(w, rng) {
      const vendor = rng.pick(['northwind-bpo', 'atlas-cx']);
      const first = caller(w, rng, [], undefined, vendor);
      const ring = [first];
      while (ring.length < 4) ring.push(caller(w, rng, ring, first.region, vendor));
      const list = targetList(w, rng, first.region, 2000, 0.15);
      const next = ring.map((_, m) => {
        let k = 0;
        return () => {
          const target = Math.floor(k / 2) * 4 + ((m + (k % 2)) % 4);
          k++;
          return list[target % list.length] as number;
        };
      });
      return {
        insiders: ring,
        day: (day, ctx) => ring.forEach((a, m) => daily(a, 5, 6, next[m] as () => number,
          () => ({ purpose: 'general_inquiry', key: 'phone', verify: { field: 'dateOfBirth', correct: true, tries: 1 }, closeAfter: 3 * MIN }))(day, ctx)),
      };
    },
  }),
  insider({
    name: 'stolen-credentials', group: 'fast', target: 5, title: 'Stolen credentials from a new device',
    basis: 'Credential theft (session hijack, infostealer): an attacker signs in as an agent from a new device and network at night and pulls accounts one a minute for hours',
    setup(w, rng) {
      const a = caller(w, rng);
      const list = targetList(w, rng, a.region, 500, 0.15);
      return {
        insiders: [a],
        day(day, ctx) {
          if (day !== 12) return;
          const local = w.start + day * DAY_MS + ((2 - (SIM_REGIONS[a.region]?.offset ?? 0) + 24) % 24) * 3600_000;
          const client = { net: `net-attacker-${w.seed}`, dev: `dev-attacker-${w.seed}` };
          for (let i = 0; i < 150; i++) visit(ctx, a, rng.pick(list), local + i * 60_000, client, { purpose: 'account_access', key: 'email', closeAfter: 10_000 });
        },
      };
    },
  }),
  insider({
    name: 'session-hijack', group: 'fast', target: 5, title: 'A live session replayed from another device',
    basis: 'Session hijack (infostealer cookie theft, issue 15 item 2): mid-shift, while the agent works, an attacker replays their session cookie from another device and network and pulls accounts one a minute',
    setup(w, rng) {
      const a = caller(w, rng);
      const list = targetList(w, rng, a.region, 500, 0.15);
      let done = false;
      return {
        insiders: [a],
        day(day, ctx) {
          const win = window(ctx.world, a, day);
          if (done || day < 10 || !win) return;
          done = true;
          const own = ctx.clientOf(a, day);
          // The cookie was stolen from a signed-in session: if the agent has not worked yet today,
          // the drivers sign it in from the agent's own client before the thief's first request.
          const client = { net: `net-attacker-${w.seed}`, dev: `dev-attacker-${w.seed}`, sess: own.sess, signedInFrom: { net: own.net, dev: own.dev } };
          for (let i = 0; i < 120; i++) visit(ctx, a, rng.pick(list), win[0] + 2 * 3_600_000 + i * 60_000, client, { purpose: 'account_access', key: 'email', closeAfter: 10_000 });
        },
      };
    },
  }),
  insider({
    name: 'departed-agent', group: 'slow', title: "A departed agent's leftover access",
    basis: 'Offboarding missed: an agent leaves on day 8 but their access stays; from day 15 they sign in from home in the evening every other day and look up 10 accounts each time',
    setup(w, rng) {
      const a = caller(w, rng);
      a.departedDay = 8;
      const list = targetList(w, rng, a.region, 500, 0.2);
      return {
        insiders: [a],
        day(day, ctx) {
          if (day < 15 || day % 2 === 0) return;
          const evening = w.start + day * DAY_MS + ((20 - (SIM_REGIONS[a.region]?.offset ?? 0) + 24) % 24) * 3600_000;
          const client = { net: a.home ?? `net-home-new-${a.id}`, dev: a.device };
          for (const t of spread(rng, evening, evening + 40 * MIN, 10)) visit(ctx, a, rng.pick(list), t, client, { purpose: 'general_inquiry', key: 'email' });
        },
      };
    },
  }),
  insider({
    name: 'stalker', group: 'stalker', target: 5, title: 'Stalking one to five accounts',
    basis: 'Insider curiosity or stalking (e.g. an ex-partner or a celebrity): the same 1–5 customers looked up again and again over weeks, every other working day',
    setup(w, rng) {
      const a = caller(w, rng);
      const targets = targetList(w, rng, a.region, 1 + rng.int(5), 0.2);
      let k = 0;
      return {
        insiders: [a],
        day(day, ctx) {
          const win = window(ctx.world, a, day);
          if (day < 3 || !win || rng.chance(0.5)) return;
          visit(ctx, a, targets[k++ % targets.length] as number, win[0] + rng.next() * (win[1] - win[0]), ctx.clientOf(a, day), { purpose: 'general_inquiry', key: 'email', closeAfter: 2 * MIN });
        },
      };
    },
  }),
  insider({
    name: 'decoy-report', group: 'decoy', target: 1, title: 'A leaked report with planted decoys',
    basis: 'Honeytokens: decoy VIP identities planted at the top of exports and reports; an insider working through a leaked "top customers" report reaches one within the first entries',
    setup(w, rng) {
      const a = caller(w, rng);
      const real = targetList(w, rng, a.region, 60, 0.9);
      const report = [...real];
      const decoys = rng.shuffle(w.decoys);
      // Planted where a thief starts: among the first entries (sorted by balance, decoys on top).
      report.splice(rng.int(2), 0, decoys[0] as number);
      report.splice(5 + rng.int(5), 0, decoys[1 % decoys.length] as number);
      let k = 0;
      return { insiders: [a], day: daily(a, 6, 20, () => report[k++ % report.length] as number, () => ({ purpose: 'withdrawal_issue', key: 'accountId' })) };
    },
  }),
  benign({
    name: 'surge-day', title: 'Market-crash surge: 3× tickets for a day',
    basis: 'A market crash: contacts triple on day 18 (and 1.5× on day 19); handle times shorten',
    setup: () => ({ insiders: [], workload: { load: (d) => (d === 18 ? 3 : d === 19 ? 1.5 : 1) } }),
  }),
  benign({
    name: 'new-hires', title: 'New hires with no baseline',
    basis: '10 % of front-line agents join between day 10 and 14 and start at full load with no history',
    setup(w, rng) {
      for (const a of w.agents) if (a.skill !== 'vip' && a.skill !== 'qa' && rng.chance(0.1)) a.hiredDay = 10 + rng.int(5);
      return { insiders: [] };
    },
  }),
  benign({
    name: 'vip-desk', title: 'A VIP desk with legitimately wide access',
    basis: 'The VIP desk also calls VIP customers proactively (8 look-ups a shift each, verified) and asks for reveals on 20 % of tickets',
    setup: () => ({ insiders: [], workload: { vipOutreach: 8, vipRevealRate: 0.2 } }),
  }),
  benign({
    name: 'qa-auditors', title: 'QA auditors reviewing many tickets',
    basis: '8 % of tickets are transferred to QA auditors, who view each without contacting the customer',
    setup: () => ({ insiders: [], workload: { qaShare: 0.08 } }),
  }),
  benign({
    name: 'shift-change', title: 'Rostered shift changes',
    basis: 'On day 12 a quarter of front-line agents move to another shift (the roster is updated)',
    setup(w, rng) {
      const changes = w.agents.filter((a) => a.skill !== 'vip' && a.skill !== 'qa' && rng.chance(0.25))
        .map((a) => ({ day: 12, agent: a, startMin: (shiftOn(a, 0).startMin + 300 + rng.int(4) * 60) % 1440 }));
      return { insiders: [], rosterChanges: changes };
    },
  }),
];

/** The scenario called `name`. @throws Error for an unknown name (listing the known ones). */
export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}; one of: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}

/** The default workload merged with a plan's changes. */
export function workloadOf(plan: ScenarioPlan): WorkloadOptions {
  return { ...DEFAULT_WORKLOAD, ...plan.workload };
}
