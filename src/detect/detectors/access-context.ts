// The context of an agent's activity: outside the rostered shift, from a device or network
// never seen for this agent (hashed fingerprints the server puts in `details.dev` / `details.net`),
// or after a long dormancy (a departed agent's leftover access). Each alone is weak evidence;
// together with what the agent then does they tip the score.
import { remember, type AgentState } from '../agent-state.js';
import { onShift } from '../context.js';
import { r3, type Env, type Ev } from './env.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const POINTS = { offShift: 1.5, offShiftLookup: 1.5, offShiftLookupNewContext: 3, device: 3, network: 2, both: 3, dormant: 3 };
/** How long after a new device or network an off-shift lookup counts as from a new context:
 *  an honest agent working late does it from a device and network they have used before; a
 *  stolen password used at night comes from the thief's (credential theft, account takeover). */
const NEW_CONTEXT_MS = 12 * HOUR_MS;
/** Devices and networks are learned silently during an agent's first day. */
const LEARNING_MS = DAY_MS;

/** Checks the context of event `ev` by agent `a` (before `a.lastT` is updated). */
export function accessContext(env: Env, a: AgentState, ev: Ev): void {
  const facts = env.ctx.agent(a.id);
  if (a.events > 20 && ev.t - a.lastT > env.config.dormantDays * DAY_MS) {
    env.emit(a, ev, 'dormant', POINTS.dormant, {
      seqs: [ev.seq], figures: { idleDays: r3((ev.t - a.lastT) / DAY_MS) }, baseline: { dormantDays: env.config.dormantDays },
      summary: `first activity after ${r3((ev.t - a.lastT) / DAY_MS)} idle days`,
    });
  }
  const learning = ev.t - a.firstT < LEARNING_MS;
  const dev = typeof ev.details.dev === 'string' ? ev.details.dev : undefined;
  const net = typeof ev.details.net === 'string' ? ev.details.net : undefined;
  const newDev = dev !== undefined && learnNew(a.devices, dev);
  const newNet = net !== undefined && learnNew(a.networks, net);
  if (!learning && newDev) {
    env.emit(a, ev, 'new_device', POINTS.device + (newNet ? POINTS.both : 0), {
      seqs: [ev.seq], figures: { knownDevices: a.devices.length - 1, alsoNewNetwork: newNet ? 1 : 0 }, baseline: {},
      summary: newNet ? 'first activity from a new device on a new network' : 'first activity from a new device',
    });
  }
  if (!learning && (newDev || newNet)) a.newContextT = ev.t;
  if (!learning && newNet) {
    env.emit(a, ev, 'new_network', POINTS.network, {
      seqs: [ev.seq], figures: { knownNetworks: a.networks.length - 1 }, baseline: {}, summary: 'first activity from a new network',
    });
  }
  if (facts?.shift && !onShift(facts.shift, ev.t, env.config.shiftSlackMinutes)) {
    if (ev.action === 'lookup' && ev.allow) {
      const fresh = a.newContextT !== undefined && ev.t - a.newContextT < NEW_CONTEXT_MS;
      env.emit(a, ev, 'off_shift', fresh ? POINTS.offShiftLookupNewContext : POINTS.offShiftLookup, {
        seqs: [ev.seq], figures: { hourUtc: new Date(ev.t).getUTCHours(), newContextMinutesAgo: fresh ? r3((ev.t - (a.newContextT as number)) / 60_000) : -1 },
        baseline: { shiftStartMinUtc: facts.shift.startMin, shiftMinutes: facts.shift.minutes },
        summary: fresh
          ? 'a lookup outside the rostered shift, from a device or network first seen for this agent in the last 12 hours'
          : 'a lookup outside the rostered shift (no inbound calls are routed then)',
      });
    }
    const hour = Math.floor(ev.t / HOUR_MS);
    if (hour !== a.offShiftHour) {
      a.offShiftHour = hour;
      a.offShiftHours++;
      const seqs: number[] = [];
      remember(seqs, ev.seq);
      env.emit(a, ev, 'off_shift', POINTS.offShift, {
        seqs, figures: { hourUtc: new Date(ev.t).getUTCHours(), offShiftHours: a.offShiftHours },
        baseline: { shiftStartMinUtc: facts.shift.startMin, shiftMinutes: facts.shift.minutes, slackMinutes: env.config.shiftSlackMinutes },
        summary: `activity at ${new Date(ev.t).toISOString().slice(11, 16)} UTC, outside the rostered shift`,
      });
    }
  }
}

/** Adds `x` to `known` (most recent last, at most 8); true when it was not known. */
function learnNew(known: string[], x: string): boolean {
  const i = known.indexOf(x);
  if (i === known.length - 1 && i >= 0) return false;
  if (i >= 0) known.splice(i, 1);
  known.push(x);
  if (known.length > 8) known.shift();
  return i < 0;
}
