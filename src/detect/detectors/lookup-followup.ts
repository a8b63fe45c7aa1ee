// Lookups with no customer-facing work: a lookup opens a ticket for an inbound contact, and a
// real caller is then verified on something only they know (date of birth, postal code, ID
// number, anti-phishing code). A lookup judged without such a verify passing is an orphan (a
// caller who fails verification gets no service either); a CUSUM of
// the orphan indicator against the agent's (peer-smoothed) normal rate accumulates evidence.
// A lookup is judged at the agent's next lookup, when its ticket closes, or after 30 minutes.
import { remember, type AgentState, type TicketInfo } from '../agent-state.js';
import { baselineRate, bernoulliLlr, cusum, excessAbove } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

/** Verifying one of these is customer-facing work (a list of e-mails or phone numbers does not
 *  let an insider pass them). */
export const KNOWLEDGE_FIELDS: ReadonlySet<string> = new Set(['dateOfBirth', 'address', 'governmentId', 'antiPhishingCode']);

/** The orphan rate of a malicious lookup stream (H1). */
const P1 = 0.65;
/** CUSUM level below which orphans are ordinary noise. */
const FLOOR = 4;

/** A lookup ticket left open this long without customer-facing work is judged then. */
export const JUDGE_AFTER_MS = 30 * 60_000;

/** Judges the open lookup tickets of `a` at its next lookup: calls are taken one at a time, so a
 *  new inbound call means the previous one ended (`all`); otherwise those opened more than
 *  JUDGE_AFTER_MS before `ev` (the rest are judged when they close). */
export function judgeOpenLookups(env: Env, a: AgentState, ev: Ev, all: boolean, onOrphan: (tk: TicketInfo) => void): void {
  for (const id in a.tickets) {
    const tk = a.tickets[id] as TicketInfo;
    if (tk.lk && !tk.judged && (all || ev.t - tk.t > JUDGE_AFTER_MS) && judgeLookup(env, a, ev, tk)) onOrphan(tk);
  }
}

/** Marks a passed verify of a knowledge field as customer-facing work on its ticket. */
export function noteVerify(tk: TicketInfo, ev: Ev): void {
  if (ev.details.matched !== true) return;
  for (const f in ev.fields) if (KNOWLEDGE_FIELDS.has(f)) tk.faced = true;
}

/** Judges one lookup ticket (at its close, or once it is old, or when it is dropped); true when
 *  it was judged now and is an orphan. */
export function judgeLookup(env: Env, a: AgentState, ev: Ev, tk: TicketInfo): boolean {
  if (!tk.lk || tk.judged) return false;
  tk.judged = true;
  const peer = env.peerOf(a);
  const f = a.followup;
  const peerRate = (peer.lookOrphan - f.hits + 1) / (peer.lookN - f.n + 20);
  const p0 = baselineRate(f.hits, f.n, peerRate, 20, 1.25, 0.03, 0.2);
  const [hit, miss] = bernoulliLlr(p0, P1);
  const orphan = !tk.faced;
  const before = f.s;
  f.s = cusum(f.s, orphan ? hit : miss);
  const after = f.s;
  f.n++;
  peer.lookN++;
  if (orphan) {
    f.hits++;
    peer.lookOrphan++;
    remember(f.recent, tk.seq);
  }
  const points = excessAbove(before, after, FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'lookup_followup', points, {
      seqs: f.recent.slice(-10),
      figures: { cusum: r3(after), orphanLookups: f.hits, lookups: f.n },
      baseline: { orphanRate: r3(p0), peerOrphanRate: r3(peerRate) },
      summary: `lookups with no customer-facing work: CUSUM ${r3(after)} (normal orphan rate ${r3(p0)})`,
    });
  }
  return orphan;
}
