// The simulated exchange: customers (balance tier, region, decoys), front-line agents in three
// vendors × three regions with rostered shifts, a VIP desk, QA auditors, supervisors and the
// security team, each with devices and networks. Built from a seed; a detection context over it.
import type { AgentFacts, BalanceTier, CustomerFacts, DetectContext, Shift } from '../detect/context.js';
import { Rng } from './rng.js';

/** Support regions with their UTC offset (hours) and the jurisdictions each serves. */
export const SIM_REGIONS = [
  { name: 'EMEA', offset: 1, share: 0.5, jurisdictions: ['GB', 'DE', 'FR', 'NL', 'ES'] },
  { name: 'AMER', offset: -5, share: 0.35, jurisdictions: ['US', 'CA'] },
  { name: 'APAC', offset: 8, share: 0.15, jurisdictions: ['SG', 'JP', 'AU'] },
] as const;
export const SIM_VENDORS = ['in-house', 'northwind-bpo', 'atlas-cx'] as const;
const TIERS: readonly BalanceTier[] = ['standard', 'pro', 'vip'];
const DAY_MS = 86_400_000;
/** Local shift starts (hours) and shift length in minutes. */
const SHIFT_STARTS_LOCAL = [7, 9, 14] as const;
export const SHIFT_MINUTES = 510;

/** What an agent mostly does. */
export type Skill = 'phone' | 'written' | 'mixed' | 'vip' | 'qa' | 'supervisor' | 'security';

/** One member of staff. `shifts` is the roster history (sorted by `fromDay`). */
export interface SimAgent {
  readonly idx: number;
  readonly id: string;
  readonly role: 'agent' | 'supervisor' | 'security';
  readonly team: string;
  readonly vendor: string;
  readonly region: number;
  readonly skill: Skill;
  readonly shifts: Array<{ fromDay: number; shift: Shift }>;
  hiredDay: number;
  departedDay: number;
  device: string;
  readonly office: string;
  readonly home: string | undefined;
}

/** The customers as parallel arrays (index = customer number). */
export interface SimCustomers {
  readonly n: number;
  readonly tier: Uint8Array;
  readonly region: Uint8Array;
  readonly decoy: Uint8Array;
  readonly byRegion: ReadonlyArray<readonly number[]>;
  readonly vipByRegion: ReadonlyArray<readonly number[]>;
}

/** The whole world. `start` is day 0, 00:00 UTC, in ms. */
export interface SimWorld {
  readonly seed: number;
  readonly start: number;
  readonly days: number;
  readonly agents: SimAgent[];
  readonly supervisors: SimAgent[];
  readonly security: SimAgent[];
  readonly customers: SimCustomers;
  readonly decoys: readonly number[];
}

/** Customers are immutable and costly to draw: the last few built are kept by seed and size. */
const CUSTOMERS = new Map<string, SimCustomers>();

/** Sizes of a world. `tierOf` (optional) fixes customer tiers (the broker path uses the demo's). */
export interface WorldSpec {
  readonly seed: number;
  readonly agents: number;
  readonly customers: number;
  readonly days: number;
  readonly decoys?: number;
  readonly start?: number;
  readonly customerSource?: (i: number) => { tier: BalanceTier; region: number };
}

/** The customer id of index `i`. */
export const customerId = (i: number) => `cus_${String(i).padStart(7, '0')}`;

/** A fresh customer tier from the log-normal balance of the demo (median ≈ $1.3k). */
export function drawTier(rng: Rng): BalanceTier {
  const balance = Math.exp(7.2 + 2.1 * rng.normal());
  return balance > 250_000 ? 'vip' : balance > 25_000 ? 'pro' : 'standard';
}

/** Builds a world from `spec`. Agents: 4 % VIP desk, 3 % QA, the rest front line spread over
 *  vendors and regions (a third phone, a third written, a third mixed). */
export function buildWorld(spec: WorldSpec): SimWorld {
  const rng = new Rng(spec.seed, 1);
  const start = spec.start ?? Date.UTC(2026, 1, 2);
  const key = `${spec.seed}|${spec.customers}|${spec.decoys ?? ''}`;
  const customers = spec.customerSource ? buildCustomers(spec, new Rng(spec.seed, 2)) : (CUSTOMERS.get(key) ?? CUSTOMERS.set(key, buildCustomers(spec, new Rng(spec.seed, 2))).get(key) as SimCustomers);
  if (!spec.customerSource && CUSTOMERS.size > 2) CUSTOMERS.delete(CUSTOMERS.keys().next().value as string);
  const agents: SimAgent[] = [];
  const vip = Math.max(2, Math.round(spec.agents * 0.04));
  const qa = Math.max(SIM_VENDORS.length, Math.round(spec.agents * 0.03));
  for (let k = 0; k < spec.agents; k++) {
    const id = `agt_${String(k + 1).padStart(3, '0')}`;
    if (k < vip) agents.push(agent(rng, k, id, 'agent', 'vip-desk', 'in-house', k % 3, 'vip'));
    else if (k < vip + qa) agents.push(agent(rng, k, id, 'agent', `qa-${SIM_VENDORS[k % 3]}`, SIM_VENDORS[k % 3] as string, 0, 'qa'));
    else {
      const j = k - vip - qa;
      const vendor = SIM_VENDORS[j % 3] as string;
      const region = rng.weighted(SIM_REGIONS.map((r, i) => [i, r.share] as const));
      const skill = (['phone', 'written', 'mixed'] as const)[Math.floor(j / 3) % 3] as Skill;
      agents.push(agent(rng, k, id, 'agent', `${SIM_REGIONS[region]?.name.toLowerCase()}-${vendor}`, vendor, region, skill));
    }
  }
  const supervisors: SimAgent[] = [];
  let s = 0;
  for (const vendor of SIM_VENDORS) for (let r = 0; r < SIM_REGIONS.length; r++) {
    supervisors.push(agent(rng, 1000 + s, `sup_${String(++s).padStart(2, '0')}`, 'supervisor', `${SIM_REGIONS[r]?.name.toLowerCase()}-${vendor}`, vendor, r, 'supervisor'));
  }
  const security = [1, 2, 3].map((k) => agent(rng, 2000 + k, `sec_${String(k).padStart(2, '0')}`, 'security', 'security', 'in-house', 0, 'security'));
  return { seed: spec.seed, start, days: spec.days, agents, supervisors, security, customers, decoys: customers.decoy.reduce<number[]>((a, d, i) => (d ? [...a, i] : a), []) };
}

function buildCustomers(spec: WorldSpec, rng: Rng): SimCustomers {
  const n = spec.customers;
  const tier = new Uint8Array(n);
  const region = new Uint8Array(n);
  const decoy = new Uint8Array(n);
  const byRegion: number[][] = SIM_REGIONS.map(() => []);
  const vipByRegion: number[][] = SIM_REGIONS.map(() => []);
  const decoys = spec.decoys ?? Math.max(3, Math.round(n / 2000));
  for (let i = 0; i < n; i++) {
    const c = spec.customerSource?.(i) ?? { tier: drawTier(rng), region: rng.weighted(SIM_REGIONS.map((r, k) => [k, r.share] as const)) };
    tier[i] = TIERS.indexOf(c.tier);
    region[i] = c.region;
    // Decoys sit at the end of the id range and look like VIPs (the most attractive entries).
    if (i >= n - decoys) {
      decoy[i] = 1;
      tier[i] = 2;
      continue;
    }
    byRegion[c.region]?.push(i);
    if (c.tier === 'vip') vipByRegion[c.region]?.push(i);
  }
  return { n, tier, region, decoy, byRegion, vipByRegion };
}

function agent(rng: Rng, idx: number, id: string, role: SimAgent['role'], team: string, vendor: string, region: number, skill: Skill): SimAgent {
  const r = SIM_REGIONS[region] ?? SIM_REGIONS[0];
  const local = SHIFT_STARTS_LOCAL[rng.int(SHIFT_STARTS_LOCAL.length)] as number;
  const startMin = ((((local - r.offset) * 60) % 1440) + 1440) % 1440;
  const off = rng.int(7);
  const days = 127 & ~(1 << off) & ~(1 << ((off + 1) % 7));
  return {
    idx, id, role, team, vendor, region, skill, shifts: [{ fromDay: 0, shift: { startMin, minutes: SHIFT_MINUTES, days } }],
    hiredDay: -60, departedDay: Infinity, device: `dev-${id}-0`, office: `net-office-${vendor}-${r.name}`,
    home: rng.chance(0.4) ? `net-home-${id}` : undefined,
  };
}

/** The jurisdictions `a` serves: their region's, or all for the VIP desk, QA and security. */
export function jurisdictionsOf(a: SimAgent): string[] {
  if (a.team === 'vip-desk' || a.skill === 'qa' || a.role === 'security') return SIM_REGIONS.flatMap((r) => [...r.jurisdictions]);
  return [...(SIM_REGIONS[a.region] ?? SIM_REGIONS[0]).jurisdictions];
}

/** The roster of `a` on simulated day `day`. */
export function shiftOn(a: SimAgent, day: number): Shift {
  let s = (a.shifts[0] as { shift: Shift }).shift;
  for (const x of a.shifts) if (x.fromDay <= day) s = x.shift;
  return s;
}

/** The start (ms) of `a`'s shift that begins on `day`, or undefined when `a` does not work that
 *  day (day off, not yet hired, departed). */
export function shiftStartOn(w: SimWorld, a: SimAgent, day: number): number | undefined {
  if (day < a.hiredDay || day >= a.departedDay) return undefined;
  const s = shiftOn(a, day);
  const start = w.start + day * DAY_MS + s.startMin * 60_000;
  return (s.days & (1 << new Date(start).getUTCDay())) === 0 ? undefined : start;
}

/** The detection context over a world; `now` (ms) selects the roster in force. */
export class WorldContext implements DetectContext {
  readonly #w: SimWorld;
  readonly #agents = new Map<string, SimAgent>();
  #facts = new Map<string, AgentFacts>();
  #day = -1;
  now = 0;

  constructor(w: SimWorld) {
    this.#w = w;
    for (const a of [...w.agents, ...w.supervisors, ...w.security]) this.#agents.set(a.id, a);
  }

  agent(id: string): AgentFacts | undefined {
    const day = Math.floor((this.now - this.#w.start) / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#facts = new Map();
    }
    let f = this.#facts.get(id);
    if (f) return f;
    const a = this.#agents.get(id);
    if (!a) return undefined;
    f = { id, role: a.role, team: a.team, vendor: a.vendor, regions: jurisdictionsOf(a), hiredAt: this.#w.start + a.hiredDay * DAY_MS, shift: a.role === 'agent' ? shiftOn(a, day) : undefined };
    this.#facts.set(id, f);
    return f;
  }

  customer(id: string): CustomerFacts | undefined {
    const i = Number.parseInt(id.slice(4), 10);
    const c = this.#w.customers;
    if (!(i >= 0 && i < c.n)) return undefined;
    return { tier: TIERS[c.tier[i] as number] as BalanceTier, decoy: c.decoy[i] === 1 };
  }
}
