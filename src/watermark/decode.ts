// Reads forensic marks back from a photo or screenshot: sharp decodes the image (PNG, JPEG,
// WebP…) to grey pixels, a high-pass filter lifts the faint code above the page (subtract the
// local mean, amplify), and ZXing (zxing-wasm, the maintained C++ ZXing reader) finds and
// error-corrects the QR codes. docs/design/watermark.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { findLattices, refineLattice, tileImage, type Residual } from './fold.js';
import { parseMark, type MarkPayload } from './payload.js';

const require = createRequire(import.meta.url);
let prepared = false;

/** Loads ZXing's WebAssembly from the installed package (never from a CDN). */
function prepare(): void {
  if (prepared) return;
  const wasmBinary = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  prepareZXingModule({ overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer }, fireImmediately: true });
  prepared = true;
}

interface Grey { readonly data: Uint8Array; readonly width: number; readonly height: number }

/** The Gaussian-weighted local mean (σ = `sigma` px) of the first channel of raw pixels
 *  `data` (`width`×`height`, `channels` interleaved), one byte per pixel, row-major. libvips
 *  turns a one-channel raw input into sRGB on the way through `blur`, so the result is brought
 *  back to one channel explicitly (reading it as one channel mixed rows up).
 *  @throws Error from sharp when the sizes do not match `data`. */
export async function localMean(data: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, sigma: number): Promise<Uint8Array> {
  const grey = channels === 1 ? data : Uint8Array.from({ length: width * height }, (_, i) => data[i * channels]!);
  const out = await sharp(grey, { raw: { width, height, channels: 1 } }).blur(sigma).toColourspace('b-w').extractChannel(0).raw().toBuffer();
  if (out.length !== width * height) throw new Error(`local mean: ${out.length} bytes for ${width}×${height}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The high-passed grey image at width `width`: each pixel minus its neighbourhood's mean
 *  (Gaussian, σ = `sigma` px), times `gain`, around mid-grey. */
async function highPass(input: Buffer, width: number, sigma: number, gain: number, median = 0, smooth = 0, clip = 0): Promise<Grey> {
  let base = sharp(input, { failOn: 'none' }).rotate().greyscale();
  if (median > 0) base = sharp(await base.median(median).png().toBuffer());
  base = base.resize({ width, withoutEnlargement: false });
  const { data, info } = await base.raw().toBuffer({ resolveWithObject: true });
  const mean = await localMean(data, info.width, info.height, info.channels, sigma);
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) {
    let d = data[i * info.channels]! - mean[i]!;
    if (clip > 0 && (d > clip || d < -clip)) d = 0;
    const v = 128 + d * gain;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  if (smooth > 0) {
    return { data: await localMean(out, info.width, info.height, 1, smooth), width: info.width, height: info.height };
  }
  return { data: out, width: info.width, height: info.height };
}

async function zxing(g: Grey, extra: Record<string, unknown> = {}): Promise<string[]> {
  prepare();
  const rgba = new Uint8ClampedArray(g.width * g.height * 4);
  for (let i = 0; i < g.data.length; i++) {
    const v = g.data[i]!;
    rgba[i * 4] = v; rgba[i * 4 + 1] = v; rgba[i * 4 + 2] = v; rgba[i * 4 + 3] = 255;
  }
  const results = await readBarcodes({ data: rgba, width: g.width, height: g.height, colorSpace: 'srgb' } as unknown as ImageData, { formats: ['QRCode'], tryHarder: true, tryInvert: true, tryRotate: true, maxNumberOfSymbols: 8, ...extra });
  return results.filter((r) => r.isValid).map((r) => r.text);
}

/** One decode attempt's parameters (widths relative to the image's own width). */
export interface DecodePass { readonly scale: number; readonly sigma: number; readonly gain: number; readonly median?: number; readonly smooth?: number; readonly clip?: number; readonly zx?: Record<string, unknown> }

/** Widest picture a pass works on (px): enlarging a full screenshot further only costs time
 *  (its modules are 9 px already). */
const MAX_PASS_WIDTH = 2560;

/** The passes tried in order until a mark is found. */
export const DECODE_PASSES: readonly DecodePass[] = [
  { scale: 1, sigma: 8, gain: 8, smooth: 1.5 }, // a screenshot at its own size; JPEG and sensor noise smoothed
  { scale: 1, sigma: 8, gain: 8, zx: { tryDenoise: true } },
  { scale: 1, sigma: 10, gain: 10, smooth: 1 }, // low contrast after JPEG and exposure changes
  { scale: 2, sigma: 28, gain: 8 }, // small or blurred modules (a downscaled, re-filmed quarter)
  { scale: 1.5, sigma: 21, gain: 4 },
  { scale: 0.5, sigma: 4, gain: 6 }, // a large phone photo
];

/** Residuals further than this from their local mean (grey levels) are page content, not the
 *  mark (7 % of 255 ≈ 18 at most). */
const FOLD_CLIP = 25;
/** σ of the local mean the fold subtracts (px of the picture at FOLD_WIDTH): wide enough that
 *  a finder pattern's 3×3-module core (27 px on a screenshot) keeps its level instead of being
 *  flattened to its surroundings. */
const FOLD_SIGMA = 28;
/** Folding works on the picture shrunk to at most this width (px): a 1920-px screenshot's tile
 *  is then ~110 px, ample for the average, and the fold stays within ~0.3 s. */
const FOLD_WIDTH = 1024;

/** The picture minus its local mean (Gaussian σ `sigma` px) at most `maxSide` px wide, with
 *  content — any pixel further than `clip` grey levels from its mean, e.g. text — left out
 *  (NaN), as folding wants only the faint mark. */
async function residual(input: Buffer, maxWidth: number, sigma: number, clip: number): Promise<Residual> {
  const { data, info } = await sharp(input, { failOn: 'none' }).rotate().greyscale().resize({ width: maxWidth, withoutEnlargement: true })
    .raw().toBuffer({ resolveWithObject: true });
  const mean = await localMean(data, info.width, info.height, info.channels, sigma);
  const out = new Float32Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) {
    const d = data[i * info.channels]! - mean[i]!;
    out[i] = d > clip || d < -clip ? NaN : d;
  }
  return { data: out, width: info.width, height: info.height };
}

/** Tile folding (src/watermark/fold.ts): the marks read from the average of every copy of the
 *  tile in the picture, for pictures where no single copy is clean enough. */
async function foldedMarks(image: Buffer): Promise<string[]> {
  const r = await residual(image, FOLD_WIDTH, FOLD_SIGMA, FOLD_CLIP);
  const lattices = findLattices(r, 50, 520);
  for (const l of lattices) {
    const coarse = refineLattice(r, l.a, l.b, [0.003, 0.006], [0.2, 0.4]);
    const texts = await zxing(tileImage(refineLattice(r, coarse.a, coarse.b, [0.0025], [0.1], 120_000).tile));
    if (texts.some((t) => parseMark(t) !== undefined)) return texts;
  }

  return [];
}

/** Every distinct Keyhole mark found in `image` (PNG, JPEG, WebP, TIFF bytes), in the order
 *  found; empty when there is none. Texts that decode as QR codes but are not Keyhole marks
 *  are ignored.
 *  @throws Error when the bytes are not an image sharp can read. */
export async function decodeMarks(image: Buffer, passes: readonly DecodePass[] = DECODE_PASSES, fold = true): Promise<MarkPayload[]> {
  const meta = await sharp(image, { failOn: 'none' }).metadata();
  const width = meta.width ?? 0;
  if (width === 0) throw new Error('not an image');
  const found = new Map<string, MarkPayload>();
  for (const p of passes) {
    const w = Math.max(64, Math.min(MAX_PASS_WIDTH, Math.round(width * p.scale)));
    for (const text of await zxing(await highPass(image, w, p.sigma, p.gain, p.median, p.smooth, p.clip), p.zx)) {
      const m = parseMark(text);
      if (m) found.set(text, m);
    }
    if (found.size > 0) break;
  }
  if (found.size === 0 && fold) {
    for (const text of await foldedMarks(image)) {
      const m = parseMark(text);
      if (m) found.set(text, m);
    }
  }
  return [...found.values()];
}
