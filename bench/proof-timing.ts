// Inclusion-proof latency as a running server sees it, shared by bench:log and bench:scale:
// LogReader.inclusionProof on the reader the proof routes use (proofLogReader: its tile cache
// warms in the background from the first proof) for random indexes. Start-up: proofs from the
// first one until the warm-up has ended (at least 500): their count, p50/p99 and the warm-up's
// duration. Then 2,500 timed proofs, the steady state (p50Ms/p99Ms). A proof that read a tile
// from the database (a miss of the LRU) counts as cold.
import { performance } from 'node:perf_hooks';
import type { InclusionProof, LogReader } from '../src/audit/log-reader.js';

/** The p-th percentile (0–100) of `xs` in its unit, NaN when empty. */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r3 = (x: number) => Number(x.toFixed(3));

/** Times proofs of random leaves of a tree of `size` on `reader` (a fresh proofLogReader);
 *  `check(proof, index, k)` is called with every proof (k counts from 0 in each phase).
 *  Returns the steady state's `proofs`, `p50Ms`, `p99Ms`, `coldProofs`, `coldP99Ms` and the
 *  reader's `cache` stats, and `startup` {warmUpMs, proofs, p50Ms, p99Ms, coldProofs}; times
 *  in milliseconds. Throws whatever a proof or `check` throws. */
export async function timeProofs(reader: LogReader, size: number, check: (p: InclusionProof, index: number, k: number) => void = () => undefined) {
  const prove = async (k: number, times: number[], cold: number[]) => {
    const index = Math.floor(Math.random() * size);
    const misses = reader.cacheStats().misses;
    const t = performance.now();
    const p = await reader.inclusionProof(index);
    const ms = performance.now() - t;
    times.push(ms);
    if (reader.cacheStats().misses > misses) cold.push(ms);
    check(p, index, k);
  };
  const startTimes: number[] = [];
  const startCold: number[] = [];
  const t0 = performance.now();
  await prove(0, startTimes, startCold); // the first proof starts the warm-up
  let warmedMs: number | undefined;
  void reader.warmed().then(() => { warmedMs = performance.now() - t0; });
  for (let k = 1; k < 500 || warmedMs === undefined; k++) await prove(k, startTimes, startCold);
  const times: number[] = [];
  const cold: number[] = [];
  for (let k = 0; k < 2500; k++) await prove(k, times, cold);
  return {
    proofs: times.length, p50Ms: r3(pct(times, 50)), p99Ms: r3(pct(times, 99)),
    coldProofs: cold.length, coldP99Ms: r3(pct(cold, 99)), cache: reader.cacheStats(),
    startup: { warmUpMs: Math.round(warmedMs ?? NaN), proofs: startTimes.length, p50Ms: r3(pct(startTimes, 50)), p99Ms: r3(pct(startTimes, 99)), coldProofs: startCold.length },
  };
}
