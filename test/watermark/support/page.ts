// A synthetic agent page for decoder tests: text rows and panels like the desk's, with the
// forensic mark tiled over them exactly as the console draws it (the same SVG tile).
import sharp from 'sharp';
import { markText } from '../../../src/watermark/payload.js';
import { markTileSvg, type TileStyle } from '../../../src/watermark/tile.js';

/** A PNG of a `width`×`height` page showing the mark of `sessionCode` at `at` (no mark when
 *  `sessionCode` is undefined). */
export async function renderPage(sessionCode: string | undefined, at: Date, width = 1920, height = 1080, dark = false, style?: TileStyle): Promise<Buffer> {
  let rows = '';
  for (let y = 120; y < height - 40; y += 34) {
    rows += `<text x="${340 + (y % 3) * 20}" y="${y}" font-family="sans-serif" font-size="15" fill="${dark ? '#c9c9c9' : '#212529'}">Ticket T-${y} · email j***@g***.com · date of birth ••/••/19•• · tier pro · status active</text>`;
  }
  const bg = dark ? '#1a1b1e' : '#ffffff';
  let mark = '';
  if (sessionCode !== undefined) {
    const { svg, side } = markTileSvg(markText(sessionCode, at), style, dark);
    mark = `<defs><pattern id="m" width="${side}" height="${side}" patternUnits="userSpaceOnUse"><image width="${side}" height="${side}" href="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"/></pattern></defs><rect width="100%" height="100%" fill="url(#m)"/>`;
  }
  const page = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${bg}"/>`
    + `<rect width="216" height="100%" fill="${dark ? '#25262b' : '#f8f9fa'}"/><rect y="0" width="100%" height="52" fill="${dark ? '#25262b' : '#f1f3f5'}"/>`
    + `<rect x="320" y="80" width="1400" height="${height - 120}" rx="8" fill="none" stroke="#dee2e6"/>${rows}${mark}</svg>`;
  return sharp(Buffer.from(page)).png().toBuffer();
}
