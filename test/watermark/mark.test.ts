// The forensic mark's payload and its round trip through pictures: what the console draws, the
// decoder reads back — after the damage a phone photo or a video does — and nothing is read
// from a page without a mark.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { decodeMarks } from '../../src/watermark/decode.js';
import { markText, parseMark, slotOf, slotWindows, SLOT_CYCLE, SLOT_MINUTES } from '../../src/watermark/payload.js';
import { markModules } from '../../src/watermark/tile.js';
import { renderPage } from './support/page.js';

const hex8 = fc.stringMatching(/^[0-9A-F]{8}$/);
const code = hex8.map((h) => `${h.slice(0, 4)}-${h.slice(4)}`);
const time = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true });

describe('mark payload', () => {
  it('round-trips every session code and time to the code and the slot (property)', () => {
    fc.assert(fc.property(code, time, (c, t) => {
      const text = markText(c, t);
      assert.equal(text.length, 10, 'fits a version 1-H QR code');
      assert.deepEqual(parseMark(text), { sessionCode: c, slot: slotOf(t) });
    }));
  });

  it('accepts lower-case codes and refuses what is not a session code', () => {
    assert.equal(markText('ab12-cd34', new Date(0)).slice(0, 8), 'AB12CD34');
    for (const bad of ['API-AB12', 'AB12-CD3', 'XYZ1-2345', '']) assert.throws(() => markText(bad, new Date()), TypeError);
  });

  it('parses only Keyhole marks (property: other texts give nothing)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
      const m = parseMark(s);
      if (m !== undefined) assert.match(s, /^[0-9A-F]{8}[0-9A-Z]{2}$/);
    }));
    for (const s of ['AB12CD34', 'ab12cd3401', 'AB12CD34012', 'https://example.com']) assert.equal(parseMark(s), undefined, s);
  });

  it('maps a slot back to the one 10-minute window inside a session (property)', () => {
    fc.assert(fc.property(time, fc.integer({ min: 1, max: 12 * 60 }), fc.integer({ min: 0, max: 12 * 60 - 1 }), (start, lengthMin, offsetMin) => {
      const end = new Date(start.getTime() + lengthMin * 60_000);
      const shown = new Date(start.getTime() + Math.min(offsetMin, lengthMin - 1) * 60_000);
      const windows = slotWindows(slotOf(shown), start, end);
      assert.equal(windows.length, 1, 'a session is far shorter than the slot cycle');
      const [from, to] = windows[0]!;
      assert.ok(from.getTime() <= shown.getTime() && shown.getTime() < to.getTime());
      assert.equal(to.getTime() - from.getTime(), SLOT_MINUTES * 60_000);
    }));
    const t0 = new Date('2026-01-05T09:00:00Z');
    const nineDays = new Date(t0.getTime() + SLOT_CYCLE * SLOT_MINUTES * 60_000 * 2);
    assert.equal(slotWindows(slotOf(t0), t0, nineDays).length, 2, 'the numbering repeats every 9 days');
  });

  it('draws a version 1 code (21 modules) that carries error correction H', () => {
    const m = markModules(markText('AB12-CD34', new Date()));
    assert.equal(m.length, 21);
    assert.ok(m.every((row) => row.length === 21));
  });
});

describe('reading the mark back from pictures', () => {
  const at = new Date('2026-01-05T09:13:00Z');
  const expect = { sessionCode: '7F3A-09C1', slot: slotOf(at) };

  it('reads the screenshot, a JPEG at quality 30, a 40 % downscale, a crop of a quarter and a dark page', async () => {
    const png = await renderPage(expect.sessionCode, at);
    const meta = { w: 1920, h: 1080 };
    const variants: Record<string, Buffer> = {
      screenshot: png,
      jpeg30: await sharp(png).jpeg({ quality: 30 }).toBuffer(),
      downscale40: await sharp(png).resize({ width: Math.round(meta.w * 0.4) }).png().toBuffer(),
      quarter: await sharp(png).extract({ left: meta.w / 2, top: meta.h / 2, width: meta.w / 2, height: meta.h / 2 }).png().toBuffer(),
      rotated: await sharp(png).rotate(4, { background: '#808080' }).png().toBuffer(),
      dark: await renderPage(expect.sessionCode, at, 1920, 1080, true),
    };
    for (const [name, img] of Object.entries(variants)) {
      assert.deepEqual(await decodeMarks(img), [expect], name);
    }
  });

  it('finds nothing on the same page without a mark, on noise, or on a flat image', async () => {
    const noise = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const images = [
      await renderPage(undefined, at),
      await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).png().toBuffer(),
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } }).png().toBuffer(),
    ];
    for (const img of images) assert.deepEqual(await decodeMarks(img), []);
  });

  it('refuses bytes that are not an image', async () => {
    await assert.rejects(decodeMarks(Buffer.from('not an image at all')));
  });
});

describe('the mark and the readability of the page', () => {
  // WCAG 2.2 relative luminance and contrast ratio (§1.4.3, definitions).
  const lin = (c: number) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]: readonly number[]) => 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
  const contrast = (a: readonly number[], b: readonly number[]) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x! + 0.05) / (y! + 0.05); };
  const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

  it('keeps every text colour that meets WCAG AA on the page background at AA under a dark module', async () => {
    const { DEFAULT_TILE_STYLE } = await import('../../src/watermark/tile.js');
    const a = DEFAULT_TILE_STYLE.alpha;
    // The console's light-scheme text colours (Mantine body text, gray 7–9, red 9, violet 9).
    // A colour needs ≥ 5.3:1 on white to stay at AA under a 7 % module (docs/design/watermark.md).
    const light = ['#000000', '#212529', '#343a40', '#495057', '#c92a2a', '#5f3dc4'];
    const white = [255, 255, 255];
    const underDark = white.map((c) => c * (1 - a));
    for (const t of light) {
      if (contrast(hex(t), white) < 4.5) continue;
      assert.ok(contrast(hex(t), underDark) >= 4.5, `${t}: ${contrast(hex(t), underDark).toFixed(2)}`);
    }
    // Dark scheme: light modules over the dark body.
    const body = hex('#242424');
    const underLight = body.map((c) => c + (255 - c) * a);
    for (const t of ['#c9c9c9', '#ffffff', '#a6a7ab']) {
      if (contrast(hex(t), body) < 4.5) continue;
      assert.ok(contrast(hex(t), underLight) >= 4.5, `${t} dark: ${contrast(hex(t), underLight).toFixed(2)}`);
    }
  });
});
