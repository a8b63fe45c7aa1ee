// The forensic mark's tile: a version 1 QR code (error correction H) of the payload, drawn as
// faint dark modules on transparent ground, as an SVG the console repeats over the page.
// Browser-safe. docs/design/watermark.md.
import QRCode from 'qrcode';

/** Drawing parameters of a tile. `modulePx` is the side of one module in CSS pixels; `alpha`
 *  the opacity of a dark module (0–1); `quietModules` the blank border per side. */
export interface TileStyle {
  readonly modulePx: number;
  readonly alpha: number;
  readonly quietModules: number;
}

/** The shipped style: 10 px modules (a 23-module tile is 230 px, so any quarter of a
 *  1920×1080 page holds a whole code twice over in width and once in height), 5 % black. */
export const DEFAULT_TILE_STYLE: TileStyle = { modulePx: 9, alpha: 0.07, quietModules: 1 };

/** The module matrix of `text` (rows of booleans, true = dark), QR version 1, level H.
 *  @throws Error when `text` does not fit version 1-H (more than 10 alphanumeric characters). */
export function markModules(text: string): boolean[][] {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'H', version: 1 });
  const n = qr.modules.size;
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.modules.get(r, c) === 1));
}

/** The SVG of one tile of `text`, and its side in px. Dark modules are merged per row into
 *  runs so the SVG stays small (~2 kB); on a `dark` page they are drawn light (the reader
 *  tries both polarities). */
export function markTileSvg(text: string, style: TileStyle = DEFAULT_TILE_STYLE, dark = false): { svg: string; side: number } {
  const m = markModules(text);
  const q = style.quietModules;
  const side = (m.length + 2 * q) * style.modulePx;
  let path = '';
  m.forEach((row, r) => {
    for (let c = 0; c < row.length;) {
      if (!row[c]) { c++; continue; }
      let e = c;
      while (e < row.length && row[e]) e++;
      path += `M${(c + q) * style.modulePx} ${(r + q) * style.modulePx}h${(e - c) * style.modulePx}v${style.modulePx}h${-(e - c) * style.modulePx}z`;
      c = e;
    }
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" shape-rendering="crispEdges"><path d="${path}" fill="${dark ? 'rgb(255,255,255)' : 'rgb(0,0,0)'}" fill-opacity="${style.alpha}"/></svg>`;
  return { svg, side };
}
