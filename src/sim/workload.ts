// Benign daily work: contacts arrive through the day following staffing (so by local hour of
// day), are routed to an agent on shift who covers the customer's region and channel (VIPs and
// some pro customers to the VIP desk), and are handled one after another; a share is reviewed
// by QA. Also the agents' daily client (office or home network, occasional new device).
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import { benignSteps, qaSteps } from './flows.js';
import type { Rng } from './rng.js';
import type { Client, Step, Task } from './tasks.js';
import { SHIFT_MINUTES, shiftStartOn, type SimAgent, type SimWorld } from './world.js';

const MIN = 60_000;
const DAY_MS = 86_400_000;
const SLOT = 10 * MIN;
/** Contacts one front-line agent handles in a normal shift. */
const PER_SHIFT = 26;
const PURPOSE_MIX: ReadonlyArray<readonly [Purpose, number]> = [
  ['account_access', 0.27], ['withdrawal_issue', 0.24], ['deposit_missing', 0.17], ['kyc_review', 0.12], ['account_closure', 0.06], ['general_inquiry', 0.14],
];

/** Tunable parts of the workload (benign control scenarios change them). */
export interface WorkloadOptions {
  /** Multiplier of contacts on `day` (a surge day is 3). */
  readonly load: (day: number) => number;
  /** Share of handled tickets transferred to QA auditors. */
  readonly qaShare: number;
  /** Proactive VIP outreach calls per VIP-desk agent per shift (lookups of VIPs). */
  readonly vipOutreach: number;
  readonly revealRate: number;
  readonly vipRevealRate: number;
}

/** Defaults: normal load, 3 % to QA, no outreach, reveals on 4 % of tickets (VIP desk 15 %). */
export const DEFAULT_WORKLOAD: WorkloadOptions = { load: () => 1, qaShare: 0.03, vipOutreach: 0, revealRate: 0.04, vipRevealRate: 0.15 };

interface Instance { readonly agent: SimAgent; readonly start: number; readonly end: number }

/** Generates each day's benign steps. */
export class Workload {
  readonly #w: SimWorld;
  readonly #rng: Rng;
  readonly #opts: WorkloadOptions;
  readonly #push: (s: Step) => void;
  readonly #freeAt = new Map<string, number>();
  readonly #clients = new Map<string, Client>();
  readonly #recent: number[][];
  #groups = new Map<string, Instance[]>();
  #taskIds = 0;

  constructor(w: SimWorld, rng: Rng, opts: WorkloadOptions, push: (s: Step) => void) {
    this.#w = w;
    this.#rng = rng;
    this.#opts = opts;
    this.#push = push;
    this.#recent = w.customers.byRegion.map(() => []);
  }

  /** A new task (ids shared with insider tasks through `nextId`). */
  task(agent: SimAgent, customer: number, purpose: Purpose, channel: Task['channel'], key: Task['key'], client: Client, malicious: boolean, parent?: Task): Task {
    return { id: ++this.#taskIds, agent, customer, purpose, channel, key, client, malicious, ticketId: undefined, requestId: undefined, dead: false, parent };
  }

  /** The client `a` works from on `day` (decided once per agent and day). */
  clientOf(a: SimAgent, day: number): Client {
    const k = `${a.id}|${day}`;
    let c = this.#clients.get(k);
    if (!c) {
      if (this.#rng.chance(1 / 150)) a.device = `dev-${a.id}-${day}`;
      const net = this.#rng.chance(0.01) ? `net-travel-${a.id}-${day}` : a.home && this.#rng.chance(0.4) ? a.home : a.office;
      c = { net, dev: a.device, sess: `S-${a.id}-${day}` };
      this.#clients.set(k, c);
    }
    return c;
  }

  /** Pushes the steps of every contact arriving on `day`. */
  generateDay(day: number): void {
    const w = this.#w;
    const dayStart = w.start + day * DAY_MS;
    const inst: Instance[] = [];
    for (const a of w.agents) for (const d of [day - 1, day]) {
      const s = shiftStartOn(w, a, d);
      if (s !== undefined && s + SHIFT_MINUTES * MIN > dayStart && s < dayStart + DAY_MS) inst.push({ agent: a, start: s, end: s + SHIFT_MINUTES * MIN });
    }
    const groups = new Map<string, Instance[]>();
    for (const i of inst) for (const g of groupsOf(i.agent)) (groups.get(g) ?? (groups.set(g, []), groups.get(g) as Instance[])).push(i);
    this.#groups = groups;
    const load = this.#opts.load(day);
    const rate = (PER_SHIFT / (SHIFT_MINUTES * MIN)) * SLOT * load;
    for (let t = dayStart; t < dayStart + DAY_MS; t += SLOT) {
      for (let r = 0; r < w.customers.byRegion.length; r++) {
        const staff = inst.filter((i) => i.agent.region === r && i.start <= t && i.end > t && frontLine(i.agent)).length;
        const n = this.#rng.poisson(staff * rate);
        for (let k = 0; k < n; k++) this.#contact(day, t + this.#rng.int(SLOT), r, inst, load);
      }
    }
    if (this.#opts.vipOutreach > 0) this.#outreach(day, inst);
  }

  #contact(day: number, arrival: number, region: number, inst: readonly Instance[], load: number, overflow = false): void {
    const rng = this.#rng;
    const c = this.#w.customers;
    const recent = this.#recent[region] as number[];
    const pool = c.byRegion[region] as readonly number[];
    const customer = recent.length > 50 && rng.chance(0.12) ? rng.pick(recent) : rng.pick(pool);
    recent.push(customer);
    if (recent.length > 4000) recent.splice(0, 1000);
    const channel = rng.weighted([['phone', 0.35], ['email', 0.35], ['chat', 0.3]] as const);
    const tier = c.tier[customer] ?? 0;
    const toVip = !overflow && (tier === 2 || (tier === 1 && rng.chance(0.25)));
    const candidates = this.#groups.get(toVip ? 'vip' : `${region}|${channel === 'phone' ? 'phone' : 'written'}`) ?? [];
    let best: Instance | undefined;
    let bestFree = Infinity;
    for (const i of candidates) {
      if (i.start > arrival || i.end <= arrival) continue;
      const free = Math.max(arrival, this.#freeAt.get(i.agent.id) ?? 0);
      if (free < bestFree && free < i.end + 15 * MIN) {
        best = i;
        bestFree = free;
      }
    }
    if (!best && toVip) return this.#contact(day, arrival, region, inst, load, true);
    if (!best) return; // nobody free: the caller gives up, the e-mail waits (not modelled)
    const a = best.agent;
    const handle = Math.max(2 * MIN, rng.lognormal((channel === 'phone' ? 7 : 10) * MIN, 0.45) * (load > 1.5 ? 0.75 : 1));
    this.#freeAt.set(a.id, bestFree + handle + MIN);
    const purpose = rng.weighted(PURPOSE_MIX);
    const key: Task['key'] = rng.weighted([['phone', 0.6], ['email', 0.25], ['accountId', 0.15]] as const);
    const task = this.task(a, customer, purpose, channel, key, this.clientOf(a, day), false);
    const qa = rng.chance(this.#opts.qaShare) ? this.#qaFor(a, bestFree + handle, inst) : undefined;
    const steps = benignSteps(this.#w, rng, task, arrival, bestFree, handle, {
      revealRate: a.team === 'vip-desk' ? this.#opts.vipRevealRate : this.#opts.revealRate,
      qa,
    });
    for (const s of steps) this.#push(s);
    if (qa) {
      const review = this.task(qa.agent, customer, purpose, channel, key, this.clientOf(qa.agent, day), false, task);
      for (const s of qaSteps(rng, review, qa.start)) this.#push(s);
    }
  }

  /** A QA auditor of `a`'s vendor on shift at `t`, and when they start the review. */
  #qaFor(a: SimAgent, t: number, inst: readonly Instance[]): { agent: SimAgent; start: number } | undefined {
    const qa = inst.filter((i) => i.agent.skill === 'qa' && i.agent.vendor === a.vendor && i.start <= t && i.end > t + 30 * MIN);
    if (qa.length === 0) return undefined;
    const i = this.#rng.pick(qa);
    const start = Math.max(t + 2 * MIN, this.#freeAt.get(i.agent.id) ?? 0);
    if (start > i.end) return undefined;
    this.#freeAt.set(i.agent.id, start + 8 * MIN);
    return { agent: i.agent, start };
  }

  /** VIP desk outreach: proactive calls to VIP customers (lookups with full verification). */
  #outreach(day: number, inst: readonly Instance[]): void {
    const rng = this.#rng;
    for (const i of inst) {
      if (i.agent.team !== 'vip-desk' || i.start < this.#w.start + day * DAY_MS) continue;
      for (let k = 0; k < this.#opts.vipOutreach; k++) {
        const region = rng.int(this.#w.customers.vipByRegion.length);
        const vips = this.#w.customers.vipByRegion[region] as readonly number[];
        if (vips.length === 0) continue;
        const start = Math.max(i.start + rng.int(SHIFT_MINUTES * MIN - 30 * MIN), this.#freeAt.get(i.agent.id) ?? 0);
        if (start > i.end) break;
        const handle = rng.lognormal(8 * MIN, 0.4);
        this.#freeAt.set(i.agent.id, start + handle + MIN);
        const task = this.task(i.agent, rng.pick(vips), rng.pick(['withdrawal_issue', 'account_access', 'general_inquiry'] as const), 'phone', 'phone', this.clientOf(i.agent, day), false);
        for (const s of benignSteps(this.#w, rng, task, start, start, handle, { revealRate: 0.2 })) this.#push(s);
      }
    }
  }
}

/** The routing groups of an agent: the VIP desk, or region × channel (mixed agents take both). */
function groupsOf(a: SimAgent): string[] {
  if (a.team === 'vip-desk') return ['vip'];
  if (!frontLine(a)) return [];
  return a.skill === 'mixed' ? [`${a.region}|phone`, `${a.region}|written`] : [`${a.region}|${a.skill}`];
}

/** Front-line agents take contacts from the regional queues. */
function frontLine(a: SimAgent): boolean {
  return a.skill === 'phone' || a.skill === 'written' || a.skill === 'mixed';
}

/** The fields the simulated benign reveals ask for (re-exported for scenarios). */
export type RevealFields = readonly FieldName[];
