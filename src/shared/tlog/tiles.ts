// Tile coordinates of a tree stored as C2SP tlog-tiles (height 8, 256 hashes per full tile):
// which tile holds a stored hash, which tiles a tree of a given size has, and how to hash
// the levels inside a tile. Ported from golang.org/x/mod/sumdb/tlog tile.go, fixed height 8.
import { KeyholeError } from '../errors.js';
import { HASH_SIZE, nodeHash } from './hash.js';
import { splitStoredHashIndex } from './stored-hash-index.js';
import { isSafeIndex, shiftRight } from './tree-math.js';

/** Tree levels per tile level (C2SP tlog-tiles fixes 8). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;

/** One tile: `width` (1..256) consecutive hashes at tree level 8·`level`, starting at
 *  position 256·`index` of that level. Width 256 is a full, immutable tile; less is the
 *  partial tile at the right edge of some tree. C2SP tlog-tiles "Merkle Tree". */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** A tile with its data: `tile.width` hashes of 32 bytes, concatenated. */
export interface TileData {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

/** The seam to tile storage (a database table, an HTTP client, memory).
 *  `readTiles` MUST resolve to one Uint8Array per requested tile, in order, each holding at
 *  least `tile.width` hashes (32·width bytes) and a whole number of at most 256 hashes.
 *  A wider version of the same (level, index) — a later state of a partial tile, or the
 *  full tile — is allowed: readers use only the first `width` hashes. It MUST reject when a
 *  tile is missing. */
export interface TileReader {
  readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]>;
}

/** True when `t` is a well-formed tile: level 0..63, a safe-integer index, width 1..256. */
export function isValidTile(t: Tile): boolean {
  return (
    Number.isInteger(t.level) && t.level >= 0 && t.level <= 63 &&
    isSafeIndex(t.index) &&
    Number.isInteger(t.width) && t.width >= 1 && t.width <= TILE_WIDTH
  );
}

/** The tile of least width holding the hash at stored-hash `index`, with the range
 *  [start, end) of hashes in its data whose subtree hash is that stored hash. */
export function tileForStoredHash(index: number): { readonly tile: Tile; readonly start: number; readonly end: number } {
  const [level, n] = splitStoredHashIndex(index);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const inner = level - tileLevel * TILE_HEIGHT; // the hash's level inside the tile
  const span = 2 ** inner; // tile entries under the hash
  const tileIndex = shiftRight(n * span, TILE_HEIGHT);
  const nInTile = n - (tileIndex * TILE_WIDTH) / span; // position among level-`inner` nodes
  const start = nInTile * span;
  const end = start + span;
  return { tile: { level: tileLevel, index: tileIndex, width: end }, start, end };
}

/** The hash at stored-hash `index`, read from `data` of `tile` (the tile of
 *  tileForStoredHash(index) or a wider version of it).
 *  @throws KeyholeError LOG_VERIFY_FAILED when the tile is malformed, `data` is shorter than
 *  tile.width hashes, or the index is not in this tile. */
export function hashFromTile(tile: Tile, data: Uint8Array, index: number): Uint8Array {
  if (!isValidTile(tile) || data.length < tile.width * HASH_SIZE) {
    throw new KeyholeError('LOG_VERIFY_FAILED', `tile ${tile.level}/${tile.index} has bad data`);
  }
  const t = tileForStoredHash(index);
  if (t.tile.level !== tile.level || t.tile.index !== tile.index || tile.width < t.tile.width) {
    throw new KeyholeError('LOG_VERIFY_FAILED', `stored hash ${index} is not in tile ${tile.level}/${tile.index}`);
  }
  return tileHash(data.subarray(t.start * HASH_SIZE, t.end * HASH_SIZE));
}

/** The Merkle subtree hash of 2^k concatenated hashes (k >= 0): the hashes are the leaves
 *  of a perfect subtree. Length MUST be HASH_SIZE · 2^k. */
export function tileHash(data: Uint8Array): Uint8Array {
  if (data.length === HASH_SIZE) return data.slice();
  if (data.length < HASH_SIZE || data.length % (2 * HASH_SIZE) !== 0) {
    throw new KeyholeError('INTERNAL', 'tile hash over a range that is not a power of two');
  }
  const half = data.length / 2;
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)));
}

/** The width of tile (`level`, `index`) in a tree of `treeSize` leaves: 256 when full,
 *  1..255 when it is that tree's partial tile, 0 when the tree does not have it.
 *  C2SP tlog-tiles "Partial Tiles". */
export function tileWidthForSize(level: number, index: number, treeSize: number): number {
  const hashesAtLevel = shiftRight(treeSize, TILE_HEIGHT * level);
  const width = hashesAtLevel - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, width));
}

/** The partial tiles at the right edge of a tree of `treeSize` leaves, level 0 first:
 *  at level L, floor(treeSize / 256^L) mod 256 hashes when that is not 0. */
export function partialTiles(treeSize: number): readonly Tile[] {
  const tiles: Tile[] = [];
  for (let level = 0; shiftRight(treeSize, TILE_HEIGHT * level) > 0; level++) {
    const n = shiftRight(treeSize, TILE_HEIGHT * level);
    const width = n % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: shiftRight(n, TILE_HEIGHT), width });
  }
  return tiles;
}

/** The tiles a tree of `newSize` has that a tree of `oldSize` does not have in the same
 *  form: the full tiles completed between the two sizes and the partial tiles of `newSize`
 *  that grew, level by level, index ascending. Empty unless oldSize < newSize. */
export function changedTiles(oldSize: number, newSize: number): readonly Tile[] {
  const tiles: Tile[] = [];
  for (let level = 0; ; level++) {
    const oldN = shiftRight(oldSize, TILE_HEIGHT * level);
    const newN = shiftRight(newSize, TILE_HEIGHT * level);
    if (oldN >= newN) break;
    for (let index = shiftRight(oldN, TILE_HEIGHT); index < shiftRight(newN, TILE_HEIGHT); index++) {
      tiles.push({ level, index, width: TILE_WIDTH });
    }
    const width = newN % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: shiftRight(newN, TILE_HEIGHT), width });
  }
  return tiles;
}

/** The `k`-th ancestor tile of `t` in a tree of `treeSize` leaves (k = 0: `t` itself at its
 *  widest for that size), or undefined when that tree has no such tile. Go's tileParent. */
export function tileAncestor(t: Tile, k: number, treeSize: number): Tile | undefined {
  const level = t.level + k;
  const index = shiftRight(t.index, TILE_HEIGHT * k);
  const width = tileWidthForSize(level, index, treeSize);
  return width === 0 ? undefined : { level, index, width };
}
