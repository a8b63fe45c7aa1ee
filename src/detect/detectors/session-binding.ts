// Session binding (issue 15 item 2): a staff session is bound to the device and network it was
// signed in from (`session_start` carries both fingerprints; a bearer token is bound at its first
// use). A record of that session from another fingerprint — a session cookie replayed from
// another browser or network, or the same session used from two places at once — is strong
// evidence of theft: the agent goes to step-up at once, and the session's next sensitive action
// (any touch of customer data) contains them unless the staff member has since made a fresh
// step-up (a `step_up` record), which re-binds the session to the client it came from. No
// learning period: it holds from an agent's first minute. docs/design/detect.md.
import { remember, type AgentState } from '../agent-state.js';
import { r3, type Env, type Ev } from './env.js';

/** A session's binding as the detector keeps it. */
export interface SessionBinding {
  /** The bound fingerprints: network, device. */
  net: string;
  dev: string;
  /** Sequence number of the record that bound it (sign-in or first use). */
  seq: number;
  /** Last activity (ms) from the bound client and from another one. */
  lastBound: number;
  lastOther: number;
  /** Fingerprints other than the bound one that used this session (`net|dev`, at most 4). */
  others: string[];
  /** Set when a mismatch put the agent under step-up: the next sensitive action contains. */
  hold: boolean;
  seqs: number[];
}

/** Actions that touch customer data: a held session doing one of them is contained. */
const SENSITIVE = new Set(['lookup', 'view', 'verify', 'reveal_request', 'grant_use', 'break_glass', 'export']);
/** Two clients within this window on one session count as "at once". */
const AT_ONCE_MS = 10 * 60_000;
/** Bindings are forgotten a day after their last use (sessions last at most 12 h). */
const KEEP_MS = 24 * 3_600_000;
const MAX_SESSIONS = 16;

/** What the engine should do after this event. */
export type BindingOutcome = 'none' | 'contain';

/** Checks record `ev` of agent `a` against its session's binding; returns 'contain' when the
 *  event is a sensitive action of a held session (the engine then contains with `evidence`). */
export function sessionBinding(env: Env, a: AgentState, ev: Ev): { outcome: BindingOutcome; summary: string; seqs: number[] } {
  const none = { outcome: 'none' as const, summary: '', seqs: [] };
  const sessions = (a.sessions ??= {});
  const d = ev.details;
  const net = typeof d.net === 'string' ? d.net : undefined;
  const dev = typeof d.dev === 'string' ? d.dev : undefined;
  if (ev.action === 'session_start') {
    if (typeof d.session === 'string' && net !== undefined && dev !== undefined) bind(sessions, d.session, net, dev, ev);
    return none;
  }
  const code = typeof d.sess === 'string' ? d.sess : undefined;
  if (code === undefined || net === undefined || dev === undefined) return none;
  const b = sessions[code];
  if (!b) {
    bind(sessions, code, net, dev, ev); // a token, or a session signed in before detection began
    return none;
  }
  if (ev.action === 'step_up' && ev.allow) {
    // A fresh staff step-up from this client: the staff member vouches for it; re-bind.
    Object.assign(b, { net, dev, seq: ev.seq, lastBound: ev.t, hold: false, others: [] });
    return none;
  }
  const same = b.net === net && b.dev === dev;
  if (same) b.lastBound = ev.t;
  else b.lastOther = ev.t;
  remember(b.seqs, ev.seq);
  if (b.hold && SENSITIVE.has(ev.action)) {
    return { outcome: 'contain', seqs: [...b.seqs], summary: `${ev.action} on session ${code} while it was held for use from ${b.others.length + 1} clients, with no fresh security-key step-up since` };
  }
  if (same) return none;
  const fp = `${net}|${dev}`;
  if (b.others.includes(fp)) return none;
  b.others.push(fp);
  if (b.others.length > 4) b.others.shift();
  const atOnce = ev.t - b.lastBound < AT_ONCE_MS;
  const what = b.dev !== dev && b.net !== net ? 'another device on another network' : b.dev !== dev ? 'another device' : 'another network';
  b.hold = true;
  // Enough points to reach step-up at once, whatever the score was.
  const points = Math.max(env.config.risk.stepUp - a.risk.v, env.config.risk.alert) + 0.001;
  env.emit(a, ev, 'session_binding', points, {
    seqs: [b.seq, ...b.seqs.slice(-10)],
    figures: { minutesSinceBoundUse: r3((ev.t - b.lastBound) / 60_000), clients: b.others.length + 1, newDevice: b.dev !== dev ? 1 : 0, newNetwork: b.net !== net ? 1 : 0 },
    baseline: { boundAtSeq: b.seq },
    summary: `session ${code}, signed in on one device and network, used from ${what}${atOnce ? ` while still in use from the first (${r3((ev.t - b.lastBound) / 60_000)} min apart)` : ' mid-session'}: step-up now; the next access to customer data contains unless a security-key step-up confirms this client`,
  });
  return none;
}

function bind(sessions: Record<string, SessionBinding>, code: string, net: string, dev: string, ev: Ev): void {
  for (const k in sessions) if (ev.t - Math.max((sessions[k] as SessionBinding).lastBound, (sessions[k] as SessionBinding).lastOther) > KEEP_MS) delete sessions[k];
  const keys = Object.keys(sessions);
  if (keys.length >= MAX_SESSIONS) delete sessions[keys[0] as string];
  sessions[code] = { net, dev, seq: ev.seq, lastBound: ev.t, lastOther: 0, others: [], hold: false, seqs: [ev.seq] };
}
