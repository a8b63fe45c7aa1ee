// Tile folding: the forensic mark repeats one tile over the whole page, so every copy in a
// picture carries the same modules while the page's text, the noise and the JPEG blocks differ
// from copy to copy. We find the tiling's two lattice vectors (the strongest peak of the
// high-passed picture's autocorrelation, refined by how sharp the fold is), average all copies
// into one tile, and hand that clean tile — repeated 2×2, so a whole code lies in it whatever
// the phase — to the QR reader. docs/design/watermark.md ("Folding").
import { autocorrelation } from './fft.js';

/** A residual picture: the page minus its local mean, content (|value| > clip) set to NaN. */
export interface Residual { readonly data: Float32Array; readonly width: number; readonly height: number }

type Vec = readonly [number, number];

/** Side of the grid the autocorrelation runs on (the residual is shrunk to fit half of it). */
const GRID = 256;
/** Autocorrelation peaks tried as the tiling's period. */
const CANDIDATES = 8;

/** A tiling found in a picture: lattice vectors `a` (along x) and `b` (along y, right-handed),
 *  in pixels of the residual, and the sharpness of its fold. */
export interface Lattice { readonly a: Vec; readonly b: Vec; readonly score: number }

/** Candidate tilings of `r` with a period between `minPeriod` and `maxPeriod` px, sharpest fold
 *  first (at most `max`). A page has other periodic patterns (the visible watermark, table
 *  rows), so the caller tries each in turn. */
export function findLattices(r: Residual, minPeriod: number, maxPeriod: number, max = 4): Lattice[] {
  const s = Math.min(1, (GRID / 2) / Math.max(r.width, r.height));
  const w = Math.max(1, Math.floor(r.width * s)), h = Math.max(1, Math.floor(r.height * s));
  // Box-shrink the residual (NaN = 0) to w×h.
  const small = new Float64Array(w * h), cnt = new Float64Array(w * h);
  for (let y = 0; y < r.height; y++) {
    const sy = Math.min(h - 1, Math.floor(y * s));
    for (let x = 0; x < r.width; x++) {
      const v = r.data[y * r.width + x]!;
      if (v !== v) continue;
      const k = sy * w + Math.min(w - 1, Math.floor(x * s));
      small[k] = small[k]! + v; cnt[k] = cnt[k]! + 1;
    }
  }
  for (let i = 0; i < small.length; i++) small[i] = cnt[i]! > 0 ? small[i]! / cnt[i]! : 0;
  const A = autocorrelation(small, w, h, GRID);
  const at = (dx: number, dy: number) => {
    // Normalised by the overlap area, so longer lags are not penalised by the padding.
    const ov = (w - Math.abs(dx)) * (h - Math.abs(dy));
    return ov <= 0 ? -Infinity : A[((dy + GRID) % GRID) * GRID + ((dx + GRID) % GRID)]! / ov;
  };
  const rMin = minPeriod * s, rMax = Math.min(maxPeriod * s, Math.min(w, h) * 0.6);
  if (rMax <= rMin) return [];
  const peak = (cx: number, cy: number, rad: number, lo: number, hi: number): Vec | undefined => {
    let best = -Infinity, bx = 0, by = 0;
    for (let dy = Math.floor(cy - rad); dy <= Math.ceil(cy + rad); dy++) {
      for (let dx = Math.floor(cx - rad); dx <= Math.ceil(cx + rad); dx++) {
        const d = Math.hypot(dx, dy);
        if (d < lo || d > hi || Math.hypot(dx - cx, dy - cy) > rad) continue;
        const v = at(dx, dy);
        if (v > best) { best = v; bx = dx; by = dy; }
      }
    }
    if (best === -Infinity) return undefined;
    // Parabolic sub-pixel refinement in each axis.
    const sub = (m: number, c: number, p: number) => { const den = m - 2 * c + p; return den < 0 ? 0.5 * (m - p) / den : 0; };
    return [bx + sub(at(bx - 1, by), best, at(bx + 1, by)), by + sub(at(bx, by - 1), best, at(bx, by + 1))];
  };
  // Candidates for the first vector: the strongest local maxima in the annulus, in the half
  // plane |angle| ≤ 45° around +x. The autocorrelation also peaks inside a tile (finder patterns,
  // table rows of the page), so each candidate is judged by how sharp a fold it gives.
  const maxima: Array<{ v: number; a: Vec }> = [];
  for (let dy = -Math.ceil(rMax); dy <= Math.ceil(rMax); dy++) {
    for (let dx = 0; dx <= Math.ceil(rMax); dx++) {
      const d = Math.hypot(dx, dy);
      if (d < rMin || d > rMax || Math.abs(dy) > dx) continue;
      const v = at(dx, dy);
      let isMax = true;
      for (let ey = -1; ey <= 1 && isMax; ey++) for (let ex = -1; ex <= 1; ex++) if ((ex || ey) && at(dx + ex, dy + ey) > v) { isMax = false; break; }
      if (isMax) maxima.push({ v, a: [dx, dy] });
    }
  }
  maxima.sort((p, q) => q.v - p.v);
  const step = Math.max(1, Math.round(Math.sqrt((r.width * r.height) / 60_000)));
  const scored: Array<{ a: Vec; b: Vec; score: number; len: number }> = [];
  for (const m of maxima.slice(0, CANDIDATES)) {
    const a0 = peak(m.a[0], m.a[1], 1.5, rMin, rMax)!;
    const len0 = Math.hypot(a0[0], a0[1]);
    // The second: near `a` turned by +90° (y down), within 12 % of its length.
    const b0 = peak(-a0[1], a0[0], 0.12 * len0 + 1, rMin * 0.8, rMax * 1.25);
    if (!b0) continue;
    const score = fold(r, [a0[0] / s, a0[1] / s], [b0[0] / s, b0[1] / s], step).score;
    scored.push({ a: a0, b: b0, score, len: len0 });
  }
  // Sharpest first. (A multiple of the period folds as sharply as the period; it still reads, at
  // fewer cells per module. Dropping multiples of shorter periods lost the tile to a spurious
  // third-of-a-tile period on photos, so all are kept in score order.)
  const kept = scored.sort((p, q) => q.score - p.score).slice(0, max);
  // Use the second and third harmonics, when inside the picture, to sharpen each vector.
  const sharpen = (v: Vec): Vec => {
    for (const k of [3, 2]) {
      const q = peak(v[0] * k, v[1] * k, 1.5, 0, Infinity);
      if (q && Math.abs(k * v[0]) < w * 0.7 && Math.abs(k * v[1]) < h * 0.7) return [q[0] / k, q[1] / k];
    }
    return v;
  };
  return kept.map((c) => {
    const A1 = sharpen(c.a), B1 = sharpen(c.b);
    return { a: [A1[0] / s, A1[1] / s] as Vec, b: [B1[0] / s, B1[1] / s] as Vec, score: c.score };
  });
}

/** Bins per lattice period in the folded tile (a 23-module tile gets ~4 bins per module). */
export const FOLD_BINS = 92;

/** The mean of `r` over each of FOLD_BINS² cells of the lattice (a, b), and how sharp it is (the
 *  count-weighted variance of the cell means less what noise alone gives). Pixels are sampled
 *  every `step`. */
export function fold(r: Residual, a: Vec, b: Vec, step = 1): { tile: Float64Array; score: number } {
  const det = a[0] * b[1] - a[1] * b[0];
  const ia = [b[1] / det, -b[0] / det], ib = [-a[1] / det, a[0] / det];
  const B = FOLD_BINS;
  const sum = new Float64Array(B * B), cnt = new Float64Array(B * B);
  let sq = 0;
  for (let y = 0; y < r.height; y += step) {
    for (let x = 0; x < r.width; x += step) {
      const v = r.data[y * r.width + x]!;
      if (v !== v) continue;
      const u = ia[0]! * x + ia[1]! * y, t = ib[0]! * x + ib[1]! * y;
      const k = Math.floor((t - Math.floor(t)) * B) * B + Math.floor((u - Math.floor(u)) * B);
      sum[k] = sum[k]! + v; cnt[k] = cnt[k]! + 1; sq += v * v;
    }
  }
  let total = 0, n = 0, bins = 0, all = 0;
  for (let k = 0; k < sum.length; k++) {
    if (cnt[k] === 0) continue;
    all += sum[k]!;
    sum[k] = sum[k]! / cnt[k]!;
    total += cnt[k]! * sum[k]! * sum[k]!; n += cnt[k]!; bins++;
  }
  if (n === 0) return { tile: sum, score: 0 };
  // Σ cnt·mean² over the bins is the tile's variance plus one sample variance per bin from the
  // noise; subtract the latter, so periods with fewer copies per bin are not favoured.
  const variance = sq / n - (all / n) ** 2;
  return { tile: sum, score: (total - bins * variance) / n };
}

/** Refines the tiling (a, b) to the sharpest fold of a square lattice — the tile is square, and
 *  rotation and scaling keep it so — over changes of scale (±`scales`, relative) and angle
 *  (±`angles`, degrees), scoring folds of about `samples` pixels. Square, so that the page's own
 *  periods (text rows every 34 px) cannot pull one vector alone. */
export function refineLattice(r: Residual, a: Vec, b: Vec, scales: readonly number[] = [0.01], angles: readonly number[] = [0.4], samples = 30_000): { a: Vec; b: Vec; tile: Float64Array } {
  const step = Math.max(1, Math.round(Math.sqrt((r.width * r.height) / samples)));
  const ks = [1, ...scales.flatMap((k) => [1 - k, 1 + k])];
  const ths = [0, ...angles.flatMap((d) => [-d, d])].map((d) => (d * Math.PI) / 180);
  // The square lattice closest to (a, b): a averaged with b turned back by 90°.
  const a0: Vec = [(a[0] + b[1]) / 2, (a[1] - b[0]) / 2];
  const turn = (v: Vec): Vec => [-v[1], v[0]];
  const map = (v: Vec, k: number, th: number): Vec => [k * (v[0] * Math.cos(th) - v[1] * Math.sin(th)), k * (v[0] * Math.sin(th) + v[1] * Math.cos(th))];
  let best = { a: a0, score: -Infinity };
  for (const th of ths) {
    for (const k of ks) {
      const A = map(a0, k, th);
      const sc = fold(r, A, turn(A), step).score;
      if (sc > best.score) best = { a: A, score: sc };
    }
  }
  return { a: best.a, b: turn(best.a), tile: fold(r, best.a, turn(best.a)).tile };
}

export function tileImage(tile: Float64Array): { data: Uint8Array; width: number; height: number } {
  const B = FOLD_BINS;
  let m = 0, q = 0;
  for (const v of tile) { m += v; q += v * v; }
  m /= tile.length;
  const sd = Math.sqrt(Math.max(1e-9, q / tile.length - m * m));
  const S = 2 * B;
  const out = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const v = 128 + ((tile[(y % B) * B + (x % B)]! - m) / (2.5 * sd)) * 127;
      out[y * S + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, width: S, height: S };
}
