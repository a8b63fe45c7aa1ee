// A small radix-2 FFT and the 2-D circular autocorrelation built on it, for finding the period
// and orientation of the forensic mark's tiling in a picture (src/watermark/fold.ts). Plain
// arithmetic on Float64Arrays; no I/O.

/** In-place FFT of the complex sequence (`re`, `im`) of length n (a power of two); `inverse`
 *  computes the unscaled inverse transform. Cooley–Tukey, iterative, bit-reversed order. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!; re[i] = re[j]!; re[j] = t;
      t = im[i]!; im[i] = im[j]!; im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci, xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr; im[b] = im[a]! - xi;
        re[a] = re[a]! + xr; im[a] = im[a]! + xi;
        const t = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = t;
      }
    }
  }
}

/** The autocorrelation of the `w`×`h` real image `data` (row-major), zero-padded into an n×n
 *  grid (n a power of two ≥ 2·max(w, h) so lags do not wrap): result[(dy mod n)·n + (dx mod n)]
 *  = Σ data(x, y)·data(x + dx, y + dy).
 *  @throws RangeError when n is too small or not a power of two. */
export function autocorrelation(data: Float64Array, w: number, h: number, n: number): Float64Array {
  if ((n & (n - 1)) !== 0 || n < 2 * Math.max(w, h)) throw new RangeError('n must be a power of two ≥ 2·max(w, h)');
  const re = new Float64Array(n * n), im = new Float64Array(n * n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) re[y * n + x] = data[y * w + x]!;
  fft2(re, im, n, false);
  for (let i = 0; i < re.length; i++) { re[i] = re[i]! * re[i]! + im[i]! * im[i]!; im[i] = 0; }
  fft2(re, im, n, true);
  for (let i = 0; i < re.length; i++) re[i] = re[i]! / (n * n);
  return re;
}

function fft2(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  const r = new Float64Array(n), i = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    r.set(re.subarray(y * n, y * n + n)); i.set(im.subarray(y * n, y * n + n));
    fft(r, i, inverse);
    re.set(r, y * n); im.set(i, y * n);
  }
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) { r[y] = re[y * n + x]!; i[y] = im[y * n + x]!; }
    fft(r, i, inverse);
    for (let y = 0; y < n; y++) { re[y * n + x] = r[y]!; im[y * n + x] = i[y]!; }
  }
}
