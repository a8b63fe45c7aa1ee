// The server's fast path for proofs: a HashReader over the stored tiles that computes subtree
// hashes inside a tile with node:crypto and keeps every tile's hashes in a bounded cache
// (tile-level-cache.ts: a full tile never changes; a partial tile is cached under its width).
// Same answers as the shared TileHashReader for an untampered store
// (test/audit/server-hashing.test.ts), but it does not authenticate tiles: clients verify what it
// serves, `keyhole verify` checks the store. RFC 9162 §2.1.1 node hashes, C2SP tlog-tiles layout.
import { KeyholeError } from '../shared/errors.js';
import { HASH_SIZE } from '../shared/tlog/hash.js';
import type { HashReader } from '../shared/tlog/hash-reader.js';
import { storedHashCount } from '../shared/tlog/stored-hash-index.js';
import { tileForStoredHash, tileWidthForSize, type Tile, type TileReader } from '../shared/tlog/tiles.js';
import { checkSize } from '../shared/tlog/tree-hash.js';
import { isSafeIndex } from '../shared/tlog/tree-math.js';
import { tileKey, TileHashes, type TileLevelCache } from './tile-level-cache.js';

export { DEFAULT_PROOF_CACHE_TILES, proofTileCacheFromEnv, TileHashes, TileLevelCache, type TileCacheStats } from './tile-level-cache.js';

/** Reads stored hashes of the tree of `size` leaves from `tiles`, one readTiles call at most.
 *  readHashes throws KeyholeError INDEX_OUT_OF_RANGE for an index outside the tree, and
 *  whatever the tile reader throws (LOG_VERIFY_FAILED for a missing tile). */
export class CachedHashReader implements HashReader {
  readonly #size: number;
  readonly #tiles: TileReader;
  readonly #cache: TileLevelCache;

  constructor(size: number, tiles: TileReader, cache: TileLevelCache) {
    checkSize(size);
    this.#size = size;
    this.#tiles = tiles;
    this.#cache = cache;
  }

  async readHashes(indexes: readonly number[]): Promise<readonly Uint8Array[]> {
    const limit = storedHashCount(this.#size);
    const wanted = indexes.map((x) => {
      if (!isSafeIndex(x) || x >= limit) throw new KeyholeError('INDEX_OUT_OF_RANGE', `stored hash ${x} is not in a tree of ${this.#size}`);
      const t = tileForStoredHash(x);
      const tile: Tile = { ...t.tile, width: tileWidthForSize(t.tile.level, t.tile.index, this.#size) };
      return { tile, key: tileKey(tile), level: Math.log2(t.end - t.start), at: t.start / (t.end - t.start) };
    });
    const local = new Map<string, TileHashes>();
    const missing = new Map<string, Tile>();
    for (const w of wanted) {
      if (local.has(w.key) || missing.has(w.key)) continue;
      const cached = this.#cache.get(w.key);
      if (cached !== undefined) local.set(w.key, cached);
      else missing.set(w.key, w.tile);
    }
    if (missing.size > 0) {
      const list = [...missing.values()];
      const data = await this.#tiles.readTiles(list);
      list.forEach((t, i) => {
        const hashes = TileHashes.fromStored(data[i]!.subarray(0, t.width * HASH_SIZE));
        local.set(tileKey(t), hashes);
        this.#cache.set(tileKey(t), hashes);
      });
    }
    return wanted.map((w) => local.get(w.key)!.hash(w.level, w.at));
  }
}
