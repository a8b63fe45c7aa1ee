// The resource paths of C2SP tlog-tiles: hash tiles `tile/<L>/<N>[.p/<W>]` and entry
// bundles `tile/entries/<N>[.p/<W>]`, with N in 3-digit groups (`x001/x234/067`).
// Encoding, and a strict parser for paths that arrive in requests (attacker-controlled).
import { KeyholeError } from '../errors.js';
import { isValidTile, TILE_WIDTH, type Tile } from './tiles.js';
import { isSafeIndex } from './tree-math.js';

/** An entry bundle: the `width` (1..256) log entries starting at entry 256·`index`. */
export interface EntryBundle {
  readonly index: number;
  readonly width: number;
}

/** What a tile path names. */
export type TilePathTarget =
  | { readonly kind: 'tile'; readonly tile: Tile }
  | { readonly kind: 'entries'; readonly bundle: EntryBundle };

/** The path of `tile`, e.g. {level 1, index 1234067, width 8} → `tile/1/x001/x234/067.p/8`;
 *  a full tile (width 256) has no `.p/<W>` suffix. C2SP tlog-tiles "Merkle Tree".
 *  @throws KeyholeError INTERNAL on a malformed tile (a bug in the caller). */
export function tilePath(tile: Tile): string {
  if (!isValidTile(tile)) throw new KeyholeError('INTERNAL', 'malformed tile coordinates');
  return `tile/${tile.level}/${encodeIndex(tile.index, tile.width)}`;
}

/** The path of an entry bundle, e.g. {index 5, width 256} → `tile/entries/005`.
 *  C2SP tlog-tiles "Log entries".
 *  @throws KeyholeError INTERNAL on a malformed bundle (a bug in the caller). */
export function entryBundlePath(bundle: EntryBundle): string {
  if (!isValidTile({ level: 0, ...bundle })) throw new KeyholeError('INTERNAL', 'malformed entry bundle');
  return `tile/entries/${encodeIndex(bundle.index, bundle.width)}`;
}

/** `index` in 3-digit groups, every group but the last prefixed with `x`, then `.p/<W>`
 *  when width < 256. */
function encodeIndex(index: number, width: number): string {
  let groups = pad3(index % 1000);
  for (let n = Math.floor(index / 1000); n > 0; n = Math.floor(n / 1000)) {
    groups = `x${pad3(n % 1000)}/${groups}`;
  }
  return width === TILE_WIDTH ? groups : `${groups}.p/${width}`;
}

function pad3(n: number): string {
  return String(n).padStart(3, '0');
}

const MAX_PATH_LENGTH = 64;
const LEVEL = /^(?:0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;
const GROUP = /^x[0-9]{3}$/;
const LAST_GROUP = /^[0-9]{3}$/;

/** Parses a tile or entry-bundle path (without the log prefix). Accepts exactly the paths
 *  tilePath / entryBundlePath produce: level 0..63 without leading zeros, N in canonical
 *  3-digit groups (no all-zero leading group) that fits a safe integer, width 1..255 after
 *  `.p/` and none for a full tile. C2SP tlog-tiles.
 *  @throws KeyholeError BAD_REQUEST on anything else. */
export function parseTilePath(path: string): TilePathTarget {
  // attacker-controlled: check the shape before any arithmetic.
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) throw malformed();
  const parts = path.split('/');
  if (parts.length < 3 || parts[0] !== 'tile') throw malformed();
  const levelPart = parts[1]!;
  let width = TILE_WIDTH;
  let nParts = parts.slice(2);
  const beforeLast = nParts.length >= 2 ? nParts[nParts.length - 2]! : '';
  if (beforeLast.endsWith('.p')) {
    const w = nParts[nParts.length - 1]!;
    if (!WIDTH.test(w) || Number(w) >= TILE_WIDTH) throw malformed();
    width = Number(w);
    nParts = [...nParts.slice(0, -2), beforeLast.slice(0, -2)];
  }
  const index = parseIndex(nParts);
  if (levelPart === 'entries') {
    const bundle = { index, width };
    if (entryBundlePath(bundle) !== path) throw malformed();
    return { kind: 'entries', bundle };
  }
  if (!LEVEL.test(levelPart) || Number(levelPart) > 63) throw malformed();
  const tile = { level: Number(levelPart), index, width };
  if (tilePath(tile) !== path) throw malformed();
  return { kind: 'tile', tile };
}

/** The index of N's groups, e.g. ['x001', 'x234', '067'] → 1234067. */
function parseIndex(groups: readonly string[]): number {
  if (groups.length === 0 || groups.length > 6) throw malformed();
  let n = 0n;
  groups.forEach((g, i) => {
    const last = i === groups.length - 1;
    if (!(last ? LAST_GROUP : GROUP).test(g)) throw malformed();
    n = n * 1000n + BigInt(last ? g : g.slice(1));
  });
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed();
  const index = Number(n);
  if (!isSafeIndex(index)) throw malformed();
  return index;
}

function malformed(): KeyholeError {
  return new KeyholeError('BAD_REQUEST', 'malformed tile path');
}
