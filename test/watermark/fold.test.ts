// Tile folding (src/watermark/fold.ts): the FFT autocorrelation against the sum it stands for,
// the tiling's period found on a rendered page, and a mark read from the fold alone where every
// single copy is crossed by the page's lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { decodeMarks, localMean } from '../../src/watermark/decode.js';
import { autocorrelation } from '../../src/watermark/fft.js';
import { findLattices, refineLattice } from '../../src/watermark/fold.js';
import { slotOf } from '../../src/watermark/payload.js';
import { DEFAULT_TILE_STYLE } from '../../src/watermark/tile.js';
import { renderPage } from './support/page.js';

describe('the local mean under the high-pass', () => {
  it('is one value per pixel from its own neighbourhood (a one-channel blur comes back as three)', async () => {
    const w = 97, h = 41;
    const flat = await localMean(new Uint8Array(w * h).fill(77), w, h, 1, 8);
    assert.equal(flat.length, w * h);
    assert.ok(flat.every((v) => v === 77));
    // Dark left half, light right half: each row's mean rises from ~0 to ~200 across the edge,
    // the same on every row (a mean read at the wrong offsets mixes rows and halves).
    const edge = Uint8Array.from({ length: w * h }, (_, i) => (i % w < w / 2 ? 0 : 200));
    const m = await localMean(edge, w, h, 1, 4);
    for (let y = 0; y < h; y++) {
      assert.ok(m[y * w]! < 5 && m[y * w + w - 1]! > 195, `row ${y}: ${m[y * w]} … ${m[y * w + w - 1]}`);
      for (let x = 1; x < w; x++) assert.ok(m[y * w + x]! >= m[y * w + x - 1]!, `row ${y} falls at ${x}`);
    }
    // Three interleaved channels: the first is used.
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i % 3 === 0 ? 50 : 250));
    assert.ok((await localMean(rgb, w, h, 3, 8)).every((v) => v === 50));
  });
});

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
    const mean = await localMean(data, info.width, info.height, 1, 8);
    const r = { data: Float32Array.from(data, (v, i) => (Math.abs(v - mean[i]!) > 25 ? NaN : v - mean[i]!)), width: info.width, height: info.height };
    const side = (21 + 2 * DEFAULT_TILE_STYLE.quietModules) * DEFAULT_TILE_STYLE.modulePx;
    // The page's text rows (34 px) may pull one vector to 204 px; the square refinement the
    // decoder applies brings the lattice back to the tile.
    const found = findLattices(r, 50, 520);
    const near = (v: readonly [number, number], tol: number) => Math.abs(Math.hypot(...v) - side) < tol;
    assert.ok(found.some((l) => near(l.a, 3) && near(l.b, 3)), JSON.stringify(found));
    const refined = found.filter((l) => near(l.a, 3) && near(l.b, 3)).map((l) => refineLattice(r, l.a, l.b, [0.003, 0.006], [0.2, 0.4]));
    assert.ok(refined.every((l) => near(l.a, 1.5) && near(l.b, 1.5)), JSON.stringify(refined.map((l) => [l.a, l.b])));
  });

  it('reads the mark from the fold alone (a JPEG quarter of a page), and nothing from a page without one', async () => {
    const at = new Date('2026-01-05T09:13:00Z');
    const quarter = async (png: Buffer) => sharp(png).extract({ left: 700, top: 420, width: 960, height: 540 }).jpeg({ quality: 50 }).toBuffer();
    const marked = await quarter(await renderPage('7F3A-09C1', at));
    assert.deepEqual(await decodeMarks(marked, [], true), [{ sessionCode: '7F3A-09C1', slot: slotOf(at) }]);
    assert.deepEqual(await decodeMarks(await quarter(await renderPage(undefined, at)), [], true), []);
  });
});
