// Reveal rate against peers: the share of an agent's tickets with a reveal request, as a CUSUM
// against the peer group's share. A reveal asked on a looked-up ticket before any
// customer-facing work (nobody has been verified, yet full values are wanted) is evidence at once.
import { remember, type AgentState, type TicketInfo } from '../agent-state.js';
import { baselineRate, bernoulliLlr, cusum, excessAbove } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const FLOOR = 4;
/** Points for a reveal requested on a looked-up ticket with no customer-facing work. */
const UNVERIFIED_REVEAL = 2;
/** Such reveals within UNVERIFIED_WINDOW_MS that count as slips, each UNVERIFIED_REVEAL. */
const UNVERIFIED_SLIPS = 2;
/** The window in which such reveals are counted (ms), and the cap of the points of one. */
const UNVERIFIED_WINDOW_MS = 24 * 3600_000;
const UNVERIFIED_CAP = 12;

/** Points for the k-th reveal before verification within UNVERIFIED_WINDOW_MS (k ≥ 1): the
 *  first two are a slip (UNVERIFIED_REVEAL each; no benign agent of the model asks for a third
 *  within a day), from the third on a pattern — a harvester asks on every ticket — so each
 *  weighs more: 2, 2, 5, 8, 11, then UNVERIFIED_CAP. Four in a day reach step-up with the
 *  lookups' own evidence, five contain. */
export function unverifiedRevealPoints(k: number): number {
  return k <= UNVERIFIED_SLIPS ? UNVERIFIED_REVEAL : Math.min(UNVERIFIED_CAP, 3 * k - 4);
}

function fold(env: Env, a: AgentState, ev: Ev, hit: boolean): void {
  const r = a.reveal;
  const peer = env.peerOf(a);
  const peerRate = (peer.revealN - r.hits + 0.5) / (peer.ticketN - r.n + 10);
  const p0 = baselineRate(r.hits, r.n, peerRate, 20, 1.5, 0.01, 0.3);
  const [h, m] = bernoulliLlr(p0, Math.max(0.3, 4 * p0));
  const before = r.s;
  r.s = cusum(r.s, hit ? h : m);
  r.n++;
  peer.ticketN++;
  if (hit) {
    r.hits++;
    peer.revealN++;
    remember(r.recent, ev.seq);
  }
  const points = excessAbove(before, r.s, FLOOR);
  if (points > 0) {
    env.emit(a, ev, 'reveal_rate', points, {
      seqs: r.recent.slice(-10),
      figures: { cusum: r3(r.s), ticketsWithReveal: r.hits, tickets: r.n },
      baseline: { revealRate: r3(p0), peerRevealRate: r3(peerRate) },
      summary: `reveal requests on ${r.hits} of ${r.n} tickets (peers' rate ${r3(peerRate)})`,
    });
  }
}

/** An allowed reveal request of `a` on ticket `tk`. */
export function revealRequested(env: Env, a: AgentState, ev: Ev, tk: TicketInfo): void {
  if (tk.lk && !tk.faced) {
    const recent = (a.unverifiedReveals ?? []).filter((t) => t > ev.t - UNVERIFIED_WINDOW_MS);
    recent.push(ev.t);
    if (recent.length > 16) recent.shift();
    a.unverifiedReveals = recent;
    const k = recent.length;
    env.emit(a, ev, 'reveal_rate', unverifiedRevealPoints(k), {
      seqs: [tk.seq, ev.seq], figures: { fieldsRequested: Object.keys(ev.fields).length, unverifiedRevealsIn24h: k }, baseline: { unverifiedRevealsFree: UNVERIFIED_SLIPS },
      summary: k <= UNVERIFIED_SLIPS
        ? 'reveal requested on a looked-up ticket before any customer-facing verification'
        : `reveal requested on a looked-up ticket before any customer-facing verification (${k} such requests in 24 hours)`,
    });
  }
  if (tk.rev) return;
  tk.rev = true;
  fold(env, a, ev, true);
}

/** A ticket of `a` closed (or dropped): counts as a ticket without reveal unless it had one. */
export function revealTicketDone(env: Env, a: AgentState, ev: Ev, tk: TicketInfo): void {
  if (!tk.rev) fold(env, a, ev, false);
}
