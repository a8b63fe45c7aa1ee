// Robust statistics for baselines: median, MAD, an EWMA with variance, and a one-sided CUSUM
// of a Bernoulli log-likelihood ratio. Pure functions over plain numbers (no allocation in the
// hot path except `median`'s copy). docs/design/detect.md "Statistics".

/** The median of `xs` (0 for an empty list). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The median absolute deviation of `xs` around `med`. */
export function mad(xs: readonly number[], med: number = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - med)));
}

/** A robust spread: 1.4826 × MAD (the standard deviation of a normal sample), floored at
 *  `relFloor` × median and `absFloor` so that a very regular history cannot make every small
 *  deviation look extreme. */
export function robustSigma(xs: readonly number[], relFloor: number, absFloor: number): { readonly median: number; readonly sigma: number } {
  const m = median(xs);
  return { median: m, sigma: Math.max(1.4826 * mad(xs, m), relFloor * m, absFloor) };
}

/** An exponentially weighted mean and variance (West's update). */
export interface Ewma {
  mean: number;
  variance: number;
  n: number;
}

/** A fresh EWMA. */
export function newEwma(): Ewma {
  return { mean: 0, variance: 0, n: 0 };
}

/** Folds `x` into `e` with weight `alpha` (0 < alpha ≤ 1); the first value seeds the mean. */
export function ewmaUpdate(e: Ewma, x: number, alpha: number): void {
  if (e.n === 0) {
    e.mean = x;
    e.variance = 0;
  } else {
    const d = x - e.mean;
    e.mean += alpha * d;
    e.variance = (1 - alpha) * (e.variance + alpha * d * d);
  }
  e.n++;
}

/** Log-likelihood-ratio increments of one Bernoulli observation for H1 (rate p1) against H0
 *  (rate p0), 0 < p0 < p1 < 1: [on a hit, on a miss]. */
export function bernoulliLlr(p0: number, p1: number): readonly [number, number] {
  return [Math.log(p1 / p0), Math.log((1 - p1) / (1 - p0))];
}

/** One step of a one-sided CUSUM: max(0, s + x). */
export function cusum(s: number, x: number): number {
  const v = s + x;
  return v > 0 ? v : 0;
}

/** The part of a CUSUM move from `before` to `after` that lies above `floor` (the evidence a
 *  detector converts into risk points); 0 when the statistic did not rise above the floor. */
export function excessAbove(before: number, after: number, floor: number): number {
  return after > floor ? after - Math.max(before, floor) : 0;
}

/** The normal rate of an agent: their own rate (smoothed toward `peerRate` with `prior`
 *  pseudo-observations) but never above `cap` × the peers' rate — so an insider cannot teach the
 *  detector that their own behaviour is normal — clamped into [lo, hi]. */
export function baselineRate(hits: number, n: number, peerRate: number, prior: number, cap: number, lo: number, hi: number): number {
  return clamp(Math.min((hits + prior * peerRate) / (n + prior), cap * peerRate), lo, hi);
}

/** Clamps `x` into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Pushes `x` onto a bounded history, dropping the oldest beyond `max`. */
export function pushBounded(xs: number[], x: number, max: number): void {
  xs.push(x);
  if (xs.length > max) xs.splice(0, xs.length - max);
}
