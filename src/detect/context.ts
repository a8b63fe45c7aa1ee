// What the detectors know besides the log: plain, non-secret facts about agents (role, team,
// vendor, roster) and customers (balance tier, decoy). The consumer reads them from the
// database; the simulator supplies them from its world. docs/design/detect.md "Inputs".

/** A rostered shift in UTC: starts at `startMin` minutes after midnight, lasts `minutes`, on the
 *  weekdays whose bit is set in `days` (bit 0 = Sunday). */
export interface Shift {
  readonly startMin: number;
  readonly minutes: number;
  readonly days: number;
}

/** The facts about one member of staff. `hiredAt` in ms since the epoch. */
export interface AgentFacts {
  readonly id: string;
  readonly role: string;
  readonly team: string;
  readonly vendor: string;
  readonly hiredAt: number;
  readonly shift: Shift | undefined;
  /** Jurisdictions the agent serves (agents who serve the same ones can share customers). */
  readonly regions: readonly string[];
}

/** A customer's balance tier as agents see it by default (`customers.tier`). */
export type BalanceTier = 'standard' | 'pro' | 'vip';

/** The facts about one customer. */
export interface CustomerFacts {
  readonly tier: BalanceTier;
  readonly decoy: boolean;
}

/** The lookups the detection engine makes; both MUST be synchronous and cheap (the consumer
 *  preloads a batch's agents and customers). Undefined means unknown (treated as a plain
 *  standard customer, or an agent with no roster). */
export interface DetectContext {
  agent(id: string): AgentFacts | undefined;
  customer(id: string): CustomerFacts | undefined;
}

const DAY_MS = 86_400_000;

/** The peer group of an agent: same role, team and vendor. */
export function peerKey(f: Pick<AgentFacts, 'role' | 'team' | 'vendor'>): string {
  return `${f.role}|${f.team}|${f.vendor}`;
}

/** True when `t` (ms) lies inside a rostered shift of `shift`, widened by `slackMin` minutes
 *  on both sides; shifts may cross midnight (the weekday is the shift's start day). */
export function onShift(shift: Shift, t: number, slackMin: number): boolean {
  const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
  for (const d of [0, -1]) {
    const start = dayStart + d * DAY_MS + shift.startMin * 60_000;
    const weekday = new Date(start).getUTCDay();
    if ((shift.days & (1 << weekday)) === 0) continue;
    if (t >= start - slackMin * 60_000 && t < start + (shift.minutes + slackMin) * 60_000) return true;
  }
  return false;
}

/** The index of the agent's working day containing `t`: days begin four hours before the
 *  rostered shift start (UTC midnight without a roster), so a night shift is one day. */
export function workDay(shift: Shift | undefined, t: number): number {
  const offset = shift ? (((shift.startMin - 240) % 1440) + 1440) % 1440 : 0;
  return Math.floor((t - offset * 60_000) / DAY_MS);
}
