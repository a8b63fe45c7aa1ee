// What a phone camera or a screen recording does to a screenshot, for bench:watermark: each
// transformation of issue 16 as a function of an image and a seeded random source (sharp for
// codecs, resampling, blur and affine maps; a projective warp for perspective).
import sharp from 'sharp';

/** A seeded uniform random source in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small seeded PRNG, so every run draws the same crops and angles. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (r: Rng, a: number, b: number) => a + r() * (b - a);
const GREY = { r: 128, g: 128, b: 128, alpha: 1 };

async function raw(img: Buffer) {
  const { data, info } = await sharp(img).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data, w: info.width, h: info.height };
}
const png = (data: Buffer | Uint8Array, w: number, h: number) => sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();

/** Maps the image by the homography taking the unit square's corners to `corners` (fractions
 *  of width and height), bilinear sampling, grey outside. */
async function warp(img: Buffer, corners: ReadonlyArray<readonly [number, number]>): Promise<Buffer> {
  const { data, w, h } = await raw(img);
  // Solve for the homography from destination to source (inverse mapping) by DLT on 4 points.
  const src = [[0, 0], [w, 0], [w, h], [0, h]];
  const dst = corners.map(([x, y]) => [x * w, y * h]);
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const X = dst[i]![0]!, Y = dst[i]![1]!, x = src[i]![0]!, y = src[i]![1]!;
    A.push([X, Y, 1, 0, 0, 0, -x * X, -x * Y]); b.push(x);
    A.push([0, 0, 0, X, Y, 1, -y * X, -y * Y]); b.push(y);
  }
  // Gaussian elimination.
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!]; [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < 8; k++) A[r]![k]! -= f * A[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const H = b.map((v, i) => v / A[i]![i]!);
  const out = Buffer.alloc(w * h * 3, 128);
  for (let Y = 0; Y < h; Y++) {
    for (let X = 0; X < w; X++) {
      const d = H[6]! * X + H[7]! * Y + 1;
      const x = (H[0]! * X + H[1]! * Y + H[2]!) / d;
      const y = (H[3]! * X + H[4]! * Y + H[5]!) / d;
      if (x < 0 || y < 0 || x >= w - 1 || y >= h - 1) continue;
      const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
      for (let ch = 0; ch < 3; ch++) {
        const i00 = (y0 * w + x0) * 3 + ch;
        const v = data[i00]! * (1 - fx) * (1 - fy) + data[i00 + 3]! * fx * (1 - fy) + data[i00 + w * 3]! * (1 - fx) * fy + data[i00 + w * 3 + 3]! * fx * fy;
        out[(Y * w + X) * 3 + ch] = v;
      }
    }
  }
  return png(out, w, h);
}

/** One named transformation. */
export type Transform = (img: Buffer, r: Rng) => Promise<Buffer>;

/** The single transformations of issue 16, in its order. */
export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  jpeg_q30: (img) => sharp(img).jpeg({ quality: 30 }).toBuffer(),
  downscale_40: async (img) => sharp(img).resize({ width: Math.round(((await sharp(img).metadata()).width ?? 0) * 0.4) }).png().toBuffer(),
  crop_quarter: async (img, r) => {
    const m = await sharp(img).metadata();
    const w = Math.floor(m.width! / 2), h = Math.floor(m.height! / 2);
    return sharp(img).extract({ left: Math.floor(r() * (m.width! - w)), top: Math.floor(r() * (m.height! - h)), width: w, height: h }).png().toBuffer();
  },
  rotate_5: (img, r) => sharp(img).rotate(between(r, -5, 5), { background: GREY }).png().toBuffer(),
  perspective: (img, r) => {
    const j = () => between(r, 0, 0.08);
    return warp(img, [[j(), j()], [1 - j(), j()], [1 - j(), 1 - j()], [j(), 1 - j()]]);
  },
  blur_1_5: (img) => sharp(img).blur(1.5).png().toBuffer(),
  noise: async (img, r) => {
    const { data, w, h } = await raw(img);
    for (let i = 0; i < data.length; i++) {
      const g = (r() + r() + r() + r() - 2) * 0.866 * 12; // ≈ Gaussian, σ ≈ 6 levels
      data[i] = Math.max(0, Math.min(255, data[i]! + g));
    }
    return png(data, w, h);
  },
  brightness_contrast: (img, r) => {
    const contrast = between(r, 0.7, 0.9);
    const shift = between(r, -25, 15);
    return sharp(img).linear(contrast, 128 * (1 - contrast) + shift).png().toBuffer();
  },
  moire_resample: async (img, r) => {
    const m = await sharp(img).metadata();
    const small = await sharp(img).resize({ width: Math.round(m.width! * between(r, 0.33, 0.41)), kernel: 'nearest' }).toBuffer();
    return sharp(small).resize({ width: Math.round(m.width! * 0.8), kernel: 'nearest' }).png().toBuffer();
  },
};

/** The combined chain of a phone photo of a screen: crop to a quarter, perspective, rotation,
 *  blur, resampling, noise, brightness/contrast, downscale, and JPEG quality 30 last. */
export const CHAIN: Transform = async (img, r) => {
  let x = await TRANSFORMS.crop_quarter!(img, r);
  x = await TRANSFORMS.perspective!(x, r);
  x = await TRANSFORMS.rotate_5!(x, r);
  x = await TRANSFORMS.blur_1_5!(x, r);
  x = await TRANSFORMS.noise!(x, r);
  x = await TRANSFORMS.brightness_contrast!(x, r);
  const m = await sharp(x).metadata();
  x = await sharp(x).resize({ width: Math.round(m.width! * 0.8) }).png().toBuffer();
  return TRANSFORMS.jpeg_q30!(x, r);
};
