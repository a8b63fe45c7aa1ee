// Tile folding (src/watermark/fold.ts): the FFT autocorrelation against the sum it stands for,
// the tiling's period found on a rendered page, and a mark read from the fold alone where every
// single copy is crossed by the page's lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { decodeMarks } from '../../src/watermark/decode.js';
import { autocorrelation } from '../../src/watermark/fft.js';
import { findLattices } from '../../src/watermark/fold.js';
import { slotOf } from '../../src/watermark/payload.js';
import { DEFAULT_TILE_STYLE } from '../../src/watermark/tile.js';
import { renderPage } from './support/page.js';

describe('tile folding', () => {
  it('computes the autocorrelation as the direct sum (property, small images)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (w, h, seed) => {
      const data = Float64Array.from({ length: w * h }, (_, i) => Math.sin(seed + i * 12.9898) * 43758.5453 % 1);
      const n = 16;
      const A = autocorrelation(data, w, h, n);
      for (let dy = -h + 1; dy < h; dy++) {
        for (let dx = -w + 1; dx < w; dx++) {
          let s = 0;
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h) s += data[y * w + x]! * data[(y + dy) * w + x + dx]!;
          assert.ok(Math.abs(A[((dy + n) % n) * n + ((dx + n) % n)]! - s) < 1e-9, `${dx},${dy}`);
        }
      }
    }), { numRuns: 30 });
    assert.throws(() => autocorrelation(new Float64Array(4), 2, 2, 3), RangeError);
  });

  it('finds the tile period of the mark on a page quarter', async () => {
    const png = await renderPage('7F3A-09C1', new Date('2026-01-05T09:13:00Z'));
    const { data, info } = await sharp(png).extract({ left: 500, top: 300, width: 960, height: 540 }).greyscale().raw().toBuffer({ resolveWithObject: true });
    const mean = await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).blur(8).raw().toBuffer();
    const r = { data: Float32Array.from(data, (v, i) => (Math.abs(v - mean[i]!) > 40 ? NaN : v - mean[i]!)), width: info.width, height: info.height };
    const side = (21 + 2 * DEFAULT_TILE_STYLE.quietModules) * DEFAULT_TILE_STYLE.modulePx;
    const found = findLattices(r, 50, 520);
    assert.ok(found.some((l) => Math.abs(Math.hypot(...l.a) - side) < 1.5 && Math.abs(Math.hypot(...l.b) - side) < 1.5), JSON.stringify(found));
  });

  it('reads the mark from the fold alone (a JPEG quarter of a page), and nothing from a page without one', async () => {
    const at = new Date('2026-01-05T09:13:00Z');
    const quarter = async (png: Buffer) => sharp(png).extract({ left: 700, top: 420, width: 960, height: 540 }).jpeg({ quality: 50 }).toBuffer();
    const marked = await quarter(await renderPage('7F3A-09C1', at));
    assert.deepEqual(await decodeMarks(marked, [], true), [{ sessionCode: '7F3A-09C1', slot: slotOf(at) }]);
    assert.deepEqual(await decodeMarks(await quarter(await renderPage(undefined, at)), [], true), []);
  });
});
