// Volume: distinct customers an agent touches per clock hour and per working day, against the
// agent's own baseline (median and MAD of past windows, and an EWMA) and against the peer group
// at the same time (same role, team and vendor; all agents of the role when fewer than four
// team peers are active). Both must be exceeded when both are known, so
// a surge day that lifts every peer does not fire; a new hire is judged by peers alone.
import type { AgentState } from '../agent-state.js';
import { workDay } from '../context.js';
import { ewmaUpdate, pushBounded, robustSigma } from '../stats.js';
import { r3, type Env, type Ev } from './env.js';

const HOUR_MS = 3_600_000;
/** Robust z above which a window is anomalous. */
const K = 5;
/** Minimum history before the own baseline counts: active hours, worked days. */
const MIN_HOURS = 20;
const MIN_DAYS = 5;
/** Minimum active peers for a peer baseline. */
const MIN_PEERS = 4;
/** Without any baseline: the static ceilings per hour and per day. */
const STATIC_HOUR = 20;
const STATIC_DAY = 90;
/** Peer thresholds are recomputed at most this often (ms of event time). */
const PEER_CACHE_MS = 5 * 60_000;

interface Threshold {
  readonly value: number;
  readonly own: number;
  readonly peer: number;
  readonly peers: number;
}

/** Counts customer `c` touched by `a` at `ev.t` and tests both windows. */
export function volumeTouch(env: Env, a: AgentState, ev: Ev, c: string): void {
  const v = a.vol;
  const hour = Math.floor(ev.t / HOUR_MS);
  if (hour !== v.hour) {
    if (v.hourN > 0) {
      pushBounded(v.hourHist, v.hourN, 64);
      ewmaUpdate(v.hourEw, v.hourN, 0.05);
    }
    v.hour = hour;
    v.hourCust = {};
    v.hourN = 0;
    v.hourPts = 0;
    v.peerAt[0] = -Infinity;
    v.hourOwn = -1; // computed on demand: most hours never come near it
  }
  const day = workDay(env.ctx.agent(a.id)?.shift, ev.t);
  if (day !== v.day) {
    if (v.dayN > 0) {
      pushBounded(v.dayHist, v.dayN, 28);
      ewmaUpdate(v.dayEw, v.dayN, 0.15);
    }
    v.day = day;
    v.dayStart = ev.t;
    v.dayCust = {};
    v.dayN = 0;
    v.dayPts = 0;
    v.peerAt[1] = -Infinity;
    v.dayOwn = -1;
  }
  if (v.hourCust[c] === undefined) {
    v.hourCust[c] = 1;
    v.hourN++;
    const thr = hourThreshold(env, a, hour, ev.t);
    if (thr && v.hourN > thr.value) v.hourPts = raise(env, a, ev, 'volume_hour', v.hourN, thr, v.hourPts);
  }
  if (v.dayCust[c] === undefined) {
    v.dayCust[c] = 1;
    v.dayN++;
    const thr = dayThreshold(env, a, ev.t);
    if (thr && v.dayN > thr.value) v.dayPts = raise(env, a, ev, 'volume_day', v.dayN, thr, v.dayPts);
  }
}

function ownThreshold(hist: readonly number[], ew: { mean: number; variance: number }, relFloor: number, absFloor: number): number {
  const { median, sigma } = robustSigma(hist, relFloor, absFloor);
  return Math.max(median + K * sigma, ew.mean + K * Math.max(Math.sqrt(ew.variance), absFloor));
}

/** The own threshold of a window (cached in the state once computed), or undefined while the
 *  count is below the cheap EWMA bound, which the own threshold never undercuts. */
function lazyOwn(x: number, hist: readonly number[], ew: { mean: number; variance: number }, relFloor: number, absFloor: number, cached: number | null, store: (v: number) => void): number | undefined {
  if (cached !== null && cached >= 0) return cached;
  if (x <= ew.mean + K * Math.max(Math.sqrt(ew.variance), absFloor)) return undefined;
  const own = ownThreshold(hist, ew, relFloor, absFloor);
  store(own);
  return own;
}

/** The hour threshold, or undefined while the count is below the own baseline (fast path). */
function hourThreshold(env: Env, a: AgentState, hour: number, t: number): Threshold | undefined {
  const v = a.vol;
  const own = v.hourHist.length < MIN_HOURS ? NaN : lazyOwn(v.hourN, v.hourHist, v.hourEw, 0.25, 2, v.hourOwn, (x) => (v.hourOwn = x));
  if (own === undefined || v.hourN <= (Number.isNaN(own) ? STATIC_HOUR / 2 : own)) return undefined;
  const [peer, n] = cachedPeer(a, 0, t, () => {
    const pick = (peers: readonly AgentState[]) => peers.filter((p) => p.vol.hour === hour && p.vol.hourN > 0).map((p) => p.vol.hourN);
    let values = pick(env.peersOf(a));
    if (values.length < MIN_PEERS) values = pick(env.roleMatesOf(a));
    return [values.length >= MIN_PEERS ? (({ median, sigma }) => median + K * sigma)(robustSigma(values, 0.25, 2)) : NaN, values.length];
  });
  return combine(own, peer, n, STATIC_HOUR);
}

/** The day threshold: the peers' rate since their day began, scaled to the agent's elapsed time. */
function dayThreshold(env: Env, a: AgentState, t: number): Threshold | undefined {
  const v = a.vol;
  const own = v.dayHist.length < MIN_DAYS ? NaN : lazyOwn(v.dayN, v.dayHist, v.dayEw, 0.15, 3, v.dayOwn, (x) => (v.dayOwn = x));
  if (own === undefined || v.dayN <= (Number.isNaN(own) ? STATIC_DAY / 3 : own)) return undefined;
  const elapsed = Math.max(HOUR_MS, t - v.dayStart);
  const [peer, n] = cachedPeer(a, 1, t, () => {
    const pick = (peers: readonly AgentState[]) => peers.filter((p) => p.vol.dayN > 0 && t - p.lastT <= 12 * HOUR_MS)
      .map((p) => (p.vol.dayN / Math.max(HOUR_MS, p.lastT - p.vol.dayStart)) * elapsed);
    let values = pick(env.peersOf(a));
    if (values.length < MIN_PEERS) values = pick(env.roleMatesOf(a));
    return [values.length >= MIN_PEERS ? (({ median, sigma }) => median + K * sigma)(robustSigma(values, 0.2, 3)) : NaN, values.length];
  });
  return combine(own, peer, n, STATIC_DAY);
}

/** The peer threshold of window `w` (0 hour, 1 day), recomputed at most every PEER_CACHE_MS. */
function cachedPeer(a: AgentState, w: 0 | 1, t: number, compute: () => [number, number]): [number, number] {
  const v = a.vol;
  if (t - v.peerAt[w] > PEER_CACHE_MS) {
    const [thr, n] = compute();
    v.peerAt[w] = t;
    v.peerThr[w] = thr;
    v.peerN[w] = n;
  }
  return [v.peerThr[w] ?? NaN, v.peerN[w]];
}

function combine(own: number, peer: number, peers: number, fallback: number): Threshold {
  const known = [own, peer].filter((x) => !Number.isNaN(x));
  return { value: known.length > 0 ? Math.max(...known) : fallback, own, peer, peers };
}

/** Emits the growth of the excess over the threshold as points (3 at the crossing, then 0.75
 *  per customer beyond, at most 12 per window); returns the points emitted in the window. */
function raise(env: Env, a: AgentState, ev: Ev, detector: 'volume_hour' | 'volume_day', n: number, thr: Threshold, emitted: number): number {
  const total = Math.min(12, 3 + (n - thr.value - 1) * 0.75);
  if (total <= emitted) return emitted;
  const window = detector === 'volume_hour' ? 'hour' : 'day';
  env.emit(a, ev, detector, total - emitted, {
    seqs: [ev.seq],
    figures: { distinctCustomers: n, threshold: r3(thr.value) },
    baseline: { own: Number.isNaN(thr.own) ? -1 : r3(thr.own), peer: Number.isNaN(thr.peer) ? -1 : r3(thr.peer), activePeers: thr.peers },
    summary: `${n} distinct customers this ${window}, above ${r3(thr.value)} (own baseline ${Number.isNaN(thr.own) ? 'n/a' : r3(thr.own)}, peers ${Number.isNaN(thr.peer) ? 'n/a' : r3(thr.peer)})`,
  });
  return total;
}
