// Integration: appending a batch of leaf hashes to a tiled tree, as a near-pure function
// (tessera storage/internal/integrate.go). From the tree size, the new leaf hashes and a
// reader for the existing tiles, it computes the new size, the new root and every tile that
// changed. It reads only the right-edge partial tiles — one per level, O(log n) — and writes
// nothing: the caller stores the tiles and the new size atomically.
import { KeyholeError } from '../errors.js';
import { emptyRoot, HASH_SIZE, hashesEqual, isHash, nodeHash } from './hash.js';
import { partialTiles, tileHash, TILE_HEIGHT, TILE_WIDTH, type TileData, type TileReader } from './tiles.js';
import { checkSize } from './tree-hash.js';
import { shiftRight } from './tree-math.js';

/** The outcome of integrate: the tree after the batch and the tiles to store. */
export interface IntegrateResult {
  readonly newSize: number;
  /** RFC 6962 root of the tree of newSize leaves (32 bytes). */
  readonly root: Uint8Array;
  /** Every tile that is new or grew: full tiles completed by the batch and the partial
   *  tiles at the new right edge, ordered by level then index. Empty for an empty batch. */
  readonly tiles: readonly TileData[];
}

/** Appends `leafHashes` (32 bytes each) as leaves fromSize, fromSize+1, … to the tree of
 *  `fromSize` leaves whose tiles `reader` serves. With `options.fromRoot`, the tiles read
 *  MUST reproduce that root first (a tampered or stale tile store is refused).
 *  C2SP tlog-tiles; RFC 9162 §2.1.1.
 *  @throws KeyholeError INDEX_OUT_OF_RANGE when fromSize or the new size is outside
 *  [0, MAX_TREE_SIZE]; LOG_VERIFY_FAILED on a leaf hash that is not 32 bytes, malformed
 *  tile data, or a fromRoot mismatch; whatever the reader throws. */
export async function integrate(
  fromSize: number, leafHashes: readonly Uint8Array[], reader: TileReader, options: { readonly fromRoot?: Uint8Array } = {},
): Promise<IntegrateResult> {
  checkSize(fromSize);
  checkSize(fromSize + leafHashes.length);
  if (!leafHashes.every(isHash)) throw new KeyholeError('LOG_VERIFY_FAILED', 'a leaf hash is not 32 bytes');
  const edge = await RightEdge.load(fromSize, reader);
  if (options.fromRoot !== undefined && !hashesEqual(edge.root(), options.fromRoot)) {
    throw new KeyholeError('LOG_VERIFY_FAILED', `stored tiles do not reproduce the root of the tree of ${fromSize}`, {
      details: { fromSize },
    });
  }
  for (const h of leafHashes) edge.append(0, h);
  return { newSize: fromSize + leafHashes.length, root: edge.root(), tiles: edge.changedTiles() };
}

/** One tile level's partial tile: its index and its first `width` hashes in `buf`. */
interface Row {
  index: number;
  width: number;
  readonly buf: Uint8Array;
  dirty: boolean;
}

/** The right edge of the tree: the partial tile of every level, which together hold every
 *  hash needed to extend the tree and to compute its root. */
class RightEdge {
  readonly #rows: Row[] = [];
  readonly #full: TileData[] = [];

  private constructor(size: number) {
    for (let level = 0; shiftRight(size, TILE_HEIGHT * level) > 0; level++) {
      this.#rows.push(newRow(shiftRight(size, TILE_HEIGHT * (level + 1))));
    }
  }

  /** The edge of the tree of `size`, from its partial tiles (one readTiles call). */
  static async load(size: number, reader: TileReader): Promise<RightEdge> {
    const edge = new RightEdge(size);
    const tiles = partialTiles(size);
    if (tiles.length === 0) return edge;
    const data = await reader.readTiles(tiles);
    if (!Array.isArray(data) || data.length !== tiles.length) {
      throw new KeyholeError('LOG_VERIFY_FAILED', 'tile reader returned the wrong number of tiles');
    }
    tiles.forEach((t, i) => {
      const d: unknown = data[i];
      if (!(d instanceof Uint8Array) || d.length < t.width * HASH_SIZE || d.length % HASH_SIZE !== 0 || d.length > TILE_WIDTH * HASH_SIZE) {
        throw new KeyholeError('LOG_VERIFY_FAILED', `tile ${t.level}/${t.index} has malformed data`);
      }
      const row = edge.#rows[t.level]!;
      row.buf.set(d.subarray(0, t.width * HASH_SIZE));
      row.width = t.width;
    });
    return edge;
  }

  /** Appends `hash` at tile level `level`; a tile that fills up is emitted and its hash
   *  appended one level up. */
  append(level: number, hash: Uint8Array): void {
    while (this.#rows.length <= level) this.#rows.push(newRow(0));
    const row = this.#rows[level]!;
    row.buf.set(hash, row.width * HASH_SIZE);
    row.width++;
    row.dirty = true;
    if (row.width < TILE_WIDTH) return;
    const data = row.buf.slice();
    this.#full.push({ tile: { level, index: row.index, width: TILE_WIDTH }, data });
    row.index++;
    row.width = 0;
    this.append(level + 1, tileHash(data));
  }

  /** The root: every perfect subtree on the edge, largest first, folded from the right. */
  root(): Uint8Array {
    const nodes: Uint8Array[] = [];
    for (let level = this.#rows.length - 1; level >= 0; level--) {
      const row = this.#rows[level]!;
      let offset = 0;
      for (let span = TILE_WIDTH / 2; span >= 1; span /= 2) {
        if (row.width - offset < span) continue;
        nodes.push(tileHash(row.buf.subarray(offset * HASH_SIZE, (offset + span) * HASH_SIZE)));
        offset += span;
      }
    }
    if (nodes.length === 0) return emptyRoot();
    let h = nodes.at(-1)!;
    for (let i = nodes.length - 2; i >= 0; i--) h = nodeHash(nodes[i]!, h);
    return h;
  }

  /** The full tiles emitted so far and the partial tiles that grew, by level then index. */
  changedTiles(): readonly TileData[] {
    const partial: TileData[] = [];
    this.#rows.forEach((row, level) => {
      if (row.dirty && row.width > 0) {
        partial.push({ tile: { level, index: row.index, width: row.width }, data: row.buf.slice(0, row.width * HASH_SIZE) });
      }
    });
    return [...this.#full, ...partial].sort((a, b) => a.tile.level - b.tile.level || a.tile.index - b.tile.index);
  }
}

function newRow(index: number): Row {
  return { index, width: 0, buf: new Uint8Array(TILE_WIDTH * HASH_SIZE), dirty: false };
}
