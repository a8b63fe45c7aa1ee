// First use of a purpose: an experienced agent opening, by lookup, a ticket with a purpose they
// have never used and their peers rarely use (e.g. `kyc_review` to reach identity documents).
import type { AgentState } from '../agent-state.js';
import { r3, type Env, type Ev } from './env.js';

/** Lookups an agent must have made before a first use means anything. */
const EXPERIENCE = 30;
/** Peers' share of the purpose below which a first use is unusual. */
const RARE = 0.1;
const POINTS = 3;

/** Folds the purpose of a ticket `a` opened by lookup. */
export function purposeUsed(env: Env, a: AgentState, ev: Ev, purpose: string): void {
  const peer = env.peerOf(a);
  let peerTotal = 0;
  for (const k in peer.purposes) peerTotal += peer.purposes[k] as number;
  const peerShare = peerTotal > 0 ? (peer.purposes[purpose] ?? 0) / peerTotal : 0;
  if (a.lookups >= EXPERIENCE && a.purposes[purpose] === undefined && peerShare < RARE) {
    env.emit(a, ev, 'first_purpose', POINTS, {
      seqs: [ev.seq], figures: { priorLookups: a.lookups }, baseline: { peerShare: r3(peerShare) },
      summary: `first lookup with purpose ${purpose} after ${a.lookups} lookups (peers use it for ${r3(peerShare * 100)} %)`,
    });
  }
  a.purposes[purpose] = (a.purposes[purpose] ?? 0) + 1;
  peer.purposes[purpose] = (peer.purposes[purpose] ?? 0) + 1;
  a.lookups++;
}
