// A HashReader over tiles (C2SP tlog-tiles): fetches the tiles holding the requested hashes
// plus the right-edge tiles of the tree, and authenticates them — the right edge against the
// tree's root, every other tile against its parent — before answering. Port of
// golang.org/x/mod/sumdb/tlog TileHashReader.
import { KeyholeError } from '../errors.js';
import { HASH_SIZE, hashesEqual, isHash, nodeHash } from './hash.js';
import type { HashReader } from './hash-reader.js';
import { storedHashCount, storedHashIndex } from './stored-hash-index.js';
import { hashFromTile, tileAncestor, tileForStoredHash, tileHash, TILE_HEIGHT, TILE_WIDTH, type Tile, type TileReader } from './tiles.js';
import { checkSize, subtreeIndexes } from './tree-hash.js';
import { isSafeIndex } from './tree-math.js';

/** The tree a TileHashReader reads: its size and, when known (a verified checkpoint), its
 *  root. A `Checkpoint` from checkpoint.ts fits. */
export interface TileTree {
  readonly size: number;
  readonly rootHash?: Uint8Array | undefined;
}

/** Answers readHashes for the tree `tree` from the tiles of `tiles`.
 *  With `tree.rootHash`, every hash it returns is proven to be in that tree: the tiles
 *  fetched MUST reproduce the root, and every full tile MUST hash to its entry in the
 *  parent tile. Without a root, the same checks prove only that the tiles agree with each
 *  other — as trustworthy as the tile store itself.
 *  readHashes throws KeyholeError INDEX_OUT_OF_RANGE for an index outside the tree and
 *  LOG_VERIFY_FAILED for malformed or inconsistent tile data. */
export class TileHashReader implements HashReader {
  readonly #size: number;
  readonly #root: Uint8Array | undefined;
  readonly #tiles: TileReader;

  /** @throws KeyholeError INDEX_OUT_OF_RANGE on a bad size, LOG_VERIFY_FAILED on a root
   *  that is not 32 bytes. */
  constructor(tree: TileTree, tiles: TileReader) {
    checkSize(tree.size);
    if (tree.rootHash !== undefined && !isHash(tree.rootHash)) throw new KeyholeError('LOG_VERIFY_FAILED', 'tree root is not 32 bytes');
    this.#size = tree.size;
    this.#root = tree.rootHash?.slice();
    this.#tiles = tiles;
  }

  async readHashes(indexes: readonly number[]): Promise<readonly Uint8Array[]> {
    if (indexes.length === 0) return [];
    const n = this.#size;
    const limit = storedHashCount(n);
    for (const x of indexes) {
      if (!isSafeIndex(x) || x >= limit) throw new KeyholeError('INDEX_OUT_OF_RANGE', `stored hash ${x} is not in a tree of ${n}`);
    }
    const plan = new TilePlan();
    // The right-edge tiles, from which the tree hash is recomputed and checked.
    const stx = subtreeIndexes(0, n, []);
    const stxOrder = stx.map((x) => plan.add(ancestor(tileForStoredHash(x).tile, 0, n)));
    const edgeCount = plan.tiles.length;
    const indexOrder = indexes.map((x) => planIndex(plan, x, n));
    const data = await this.#fetch(plan.tiles);

    let th = hashFromTile(plan.tiles[stxOrder.at(-1)!]!, data[stxOrder.at(-1)!]!, stx.at(-1)!);
    for (let i = stx.length - 2; i >= 0; i--) {
      th = nodeHash(hashFromTile(plan.tiles[stxOrder[i]!]!, data[stxOrder[i]!]!, stx[i]!), th);
    }
    if (this.#root !== undefined && !hashesEqual(th, this.#root)) {
      throw new KeyholeError('LOG_VERIFY_FAILED', `tiles do not reproduce the root of the tree of ${n}`);
    }
    // Every other tile is full and hashes to its entry in its parent, planned before it.
    // (Go starts this loop at len(stx), which skips tiles when several right-edge hashes
    // share one tile; we start after the distinct right-edge tiles.)
    for (let i = edgeCount; i < plan.tiles.length; i++) {
      const tile = plan.tiles[i]!;
      const parent = ancestor(tile, 1, n);
      const j = plan.find(parent);
      if (j === undefined) throw new KeyholeError('INTERNAL', 'tlog: lost the parent of a tile');
      const expected = hashFromTile(parent, data[j]!, storedHashIndex(parent.level * TILE_HEIGHT, tile.index));
      if (!hashesEqual(tileHash(data[i]!), expected)) {
        throw new KeyholeError('LOG_VERIFY_FAILED', `tile ${tile.level}/${tile.index} does not match its parent`);
      }
    }
    return indexes.map((x, i) => hashFromTile(plan.tiles[indexOrder[i]!]!, data[indexOrder[i]!]!, x));
  }

  /** Reads `tiles`, checks each answer's shape, and keeps the first `width` hashes of each. */
  async #fetch(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    const data = await this.#tiles.readTiles(tiles);
    if (!Array.isArray(data) || data.length !== tiles.length) {
      throw new KeyholeError('LOG_VERIFY_FAILED', `tile reader returned ${String(data?.length)} tiles for ${tiles.length}`);
    }
    return tiles.map((t, i) => {
      const d: unknown = data[i];
      if (!(d instanceof Uint8Array) || d.length < t.width * HASH_SIZE || d.length % HASH_SIZE !== 0 || d.length > TILE_WIDTH * HASH_SIZE) {
        throw new KeyholeError('LOG_VERIFY_FAILED', `tile ${t.level}/${t.index} has malformed data`);
      }
      return d.subarray(0, t.width * HASH_SIZE);
    });
  }
}

/** Plans the tile holding stored hash `x` and any ancestors needed to authenticate it
 *  (parents before children); returns the position of x's tile. Go's walk up and down. */
function planIndex(plan: TilePlan, x: number, n: number): number {
  const tile = tileForStoredHash(x).tile;
  let k = 0;
  let found: number | undefined;
  for (; ; k++) {
    found = plan.find(ancestor(tile, k, n));
    if (found !== undefined) break;
  }
  for (k--; k >= 0; k--) {
    const p = ancestor(tile, k, n);
    // A tile with a parent tile is full.
    if (p.width !== TILE_WIDTH) throw new KeyholeError('INTERNAL', 'tlog: bad math in TileHashReader');
    found = plan.add(p);
  }
  return found;
}

/** The k-th ancestor of `tile` in the tree of `n`, which MUST exist. */
function ancestor(tile: Tile, k: number, n: number): Tile {
  const t = tileAncestor(tile, k, n);
  if (t === undefined) throw new KeyholeError('INTERNAL', 'tlog: a tile has no ancestor in the tree');
  return t;
}

/** The ordered, de-duplicated list of tiles to fetch. */
class TilePlan {
  readonly tiles: Tile[] = [];
  readonly #positions = new Map<string, number>();

  find(t: Tile): number | undefined {
    return this.#positions.get(`${t.level}/${t.index}/${t.width}`);
  }

  add(t: Tile): number {
    const existing = this.find(t);
    if (existing !== undefined) return existing;
    this.#positions.set(`${t.level}/${t.index}/${t.width}`, this.tiles.length);
    this.tiles.push(t);
    return this.tiles.length - 1;
  }
}
