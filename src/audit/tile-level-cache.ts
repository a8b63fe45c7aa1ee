// The proof tile cache (issue 13 item 3): a bounded map (second-chance eviction) from a tile at one
// width to its hashes, shared by the proofs of a process, sized by KEYHOLE_PROOF_CACHE_TILES.
// A tile is kept sparse (TileHashes): its stored hashes (level 0) and its inner levels from
// STORED_FROM_LEVEL (2) up; level 1 is hashed from level 0 when a proof asks (one SHA-256 per
// tile), which saves a quarter of a full tile's memory (12,256 bytes instead of 16,352) so that
// the default bound holds every tile of a 10M-entry log in ≈ 480 MiB. Storing from level 4
// (9,184 bytes) cost 11 hashes a tile and doubled a cached proof's time. A tile may also be put
// in raw (its stored hashes only, as the warmer loads them): its levels are computed on its
// first use or by settle(). RFC 9162 §2.1.1 node hashes, C2SP tlog-tiles layout.
import { hash } from 'node:crypto';
import { HASH_SIZE } from '../shared/tlog/hash.js';
import { TILE_HEIGHT, TILE_WIDTH, type Tile } from '../shared/tlog/tiles.js';

/** The lowest inner level a tile stores besides level 0; levels 1 to STORED_FROM_LEVEL − 1
 *  are hashed from level 0 on demand (2^k − 1 hashes for level k). */
export const STORED_FROM_LEVEL = 2;

/** Tiles a TileLevelCache keeps by default: every tile of a 10M-entry log (39,368) and the
 *  warm-up's reserve, at most 12,256 bytes each (≈ 480 MiB when full; the cache holds only
 *  tiles the log has: ≈ 48 MiB for a 1M-entry log). */
export const DEFAULT_PROOF_CACHE_TILES = 40_960;

/** Counts of a TileLevelCache since construction. */
export interface TileCacheStats {
  readonly tiles: number;
  readonly maxTiles: number;
  readonly hits: number;
  readonly misses: number;
}

/** The cache key of `t`: a full tile never changes; a partial tile is keyed with its width,
 *  so it is never served for a tree where that tile is wider (or full). */
export function tileKey(t: Tile): string {
  return t.width === TILE_WIDTH ? `${t.level}/${t.index}` : `${t.level}/${t.index}/${t.width}`;
}

/** The hash of the pair (`left`, `right`) of 32-byte node hashes read from `src` at byte
 *  offsets, written into `out` at `outAt` (RFC 9162 §2.1.1: SHA-256(0x01 || left || right)).
 *  `pair` is a 65-byte scratch buffer starting with 0x01. */
function hashPairInto(pair: Uint8Array, src: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  pair.set(src.subarray(at, at + 2 * HASH_SIZE), 1);
  out.set(hash('sha256', pair, 'buffer'), outAt);
}

/** Byte offset, in a TileHashes buffer, of level `k` (0 or >= STORED_FROM_LEVEL) of a tile
 *  of `width` entries. */
function levelOffset(width: number, k: number): number {
  if (k === 0) return 0;
  let at = width * HASH_SIZE;
  for (let j = STORED_FROM_LEVEL; j < k; j++) at += Math.floor(width / 2 ** j) * HASH_SIZE;
  return at;
}

/** The hashes of one tile in one buffer: its stored entries (level 0), then its inner levels
 *  from STORED_FROM_LEVEL up; the levels between are hashed on demand. One buffer, not a view
 *  per level: fewer objects for the collector in a cache of tens of thousands of tiles.
 *  Immutable once built. */
export class TileHashes {
  readonly #all: Uint8Array;
  readonly #width: number;

  private constructor(all: Uint8Array, width: number) {
    this.#all = all;
    this.#width = width;
  }

  /** A tile's hashes from `data`, its stored hashes (a whole number of 32-byte hashes, 1 to
   *  256 of them; copied: `data` may be reused by its owner). Hashes 255 nodes for a full tile.
   *  @throws RangeError otherwise. */
  static fromStored(data: Uint8Array): TileHashes {
    if (data.length === 0 || data.length % HASH_SIZE !== 0 || data.length > TILE_WIDTH * HASH_SIZE) throw new RangeError('tile data must hold 1 to 256 hashes');
    const width = data.length / HASH_SIZE;
    const all = new Uint8Array(levelOffset(width, TILE_HEIGHT + 1));
    all.set(data);
    // Levels 1 .. STORED_FROM_LEVEL - 1 in a scratch buffer, then the stored ones in place.
    const scratch = new Uint8Array(Math.floor(width / 2) * HASH_SIZE);
    const pair = new Uint8Array(1 + 2 * HASH_SIZE);
    pair[0] = 0x01;
    let below = 0;
    let belowBuf = all;
    for (let k = 1, n = Math.floor(width / 2); k <= TILE_HEIGHT; k++, n = Math.floor(n / 2)) {
      const stored = k >= STORED_FROM_LEVEL;
      const out = stored ? all : scratch;
      const at = stored ? levelOffset(width, k) : 0;
      // in place in the scratch buffer: group j is written after pairs 2j, 2j+1 were read
      for (let j = 0; j < n; j++) hashPairInto(pair, belowBuf, below + 2 * j * HASH_SIZE, out, at + j * HASH_SIZE);
      belowBuf = out;
      below = at;
    }
    return new TileHashes(all, width);
  }

  /** Bytes this tile holds. */
  get bytes(): number {
    return this.#all.length;
  }

  /** The hash of the `at`-th complete aligned group of 2^`level` entries (a fresh 32-byte
   *  copy): stored for level 0 and from STORED_FROM_LEVEL up, else hashed from level 0.
   *  @throws RangeError when there is no such group in this tile. */
  hash(level: number, at: number): Uint8Array {
    if (!Number.isInteger(level) || level < 0 || level > TILE_HEIGHT || !Number.isInteger(at) || at < 0 || at >= Math.floor(this.#width / 2 ** level)) {
      throw new RangeError(`no group ${at} at level ${level} in a tile of width ${this.#width}`);
    }
    if (level === 0 || level >= STORED_FROM_LEVEL) {
      const from = levelOffset(this.#width, level) + at * HASH_SIZE;
      return this.#all.slice(from, from + HASH_SIZE);
    }
    const n = 1 << level;
    const work = this.#all.slice(at * n * HASH_SIZE, (at + 1) * n * HASH_SIZE);
    const pair = new Uint8Array(1 + 2 * HASH_SIZE);
    pair[0] = 0x01;
    for (let m = n / 2; m >= 1; m /= 2) for (let j = 0; j < m; j++) hashPairInto(pair, work, 2 * j * HASH_SIZE, work, j * HASH_SIZE);
    return work.slice(0, HASH_SIZE);
  }
}

/** One cached tile and its reference bit. */
interface Slot {
  value: TileHashes | Uint8Array;
  used: boolean;
}

/** A bounded map of tile hashes (keys from tileKey) that evicts by second chance (CLOCK), an
 *  approximation of least-recently-used: a hit only sets the tile's reference bit, and the
 *  map is reordered only to evict (the oldest tile without the bit goes; one with it loses the
 *  bit and moves to the back). Moving every hit to the back of the map, as a strict LRU does,
 *  doubled a cached proof's time at 39,000 tiles (the map's table churned). */
export class TileLevelCache {
  readonly #max: number;
  readonly #map = new Map<string, Slot>();
  #hits = 0;
  #misses = 0;

  /** @param maxTiles most tiles kept (each costs at most 12,256 bytes); 0 keeps none.
   *  @throws RangeError unless a whole number >= 0. */
  constructor(maxTiles = DEFAULT_PROOF_CACHE_TILES) {
    if (!Number.isInteger(maxTiles) || maxTiles < 0) throw new RangeError('maxTiles must be a whole number >= 0');
    this.#max = maxTiles;
  }

  /** The hashes of the tile of `key`, now marked used; undefined (a miss) when not cached. A
   *  tile put in raw gets its levels now. */
  get(key: string): TileHashes | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    slot.used = true;
    if (slot.value instanceof Uint8Array) slot.value = TileHashes.fromStored(slot.value);
    return slot.value;
  }

  /** Computes, in place, the levels of the tile of `key` if it was put in raw (not a use: the
   *  eviction order and the counts stay); true when it did. */
  settle(key: string): boolean {
    const slot = this.#map.get(key);
    if (slot === undefined || !(slot.value instanceof Uint8Array)) return false;
    slot.value = TileHashes.fromStored(slot.value);
    return true;
  }

  /** True when `key` is cached (not a use: the eviction order and the counts stay). */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Keeps `hashes` (or a tile's `raw` stored hashes, exactly its width's) under `key`, marked
   *  used, evicting tiles by second chance beyond the bound. */
  set(key: string, hashes: TileHashes | Uint8Array): void {
    if (this.#max === 0) return;
    const slot = this.#map.get(key);
    if (slot !== undefined) {
      slot.value = hashes;
      slot.used = true;
      return;
    }
    this.#map.set(key, { value: hashes, used: true });
    while (this.#map.size > this.#max) {
      const [oldest, first] = this.#map.entries().next().value!;
      this.#map.delete(oldest);
      if (first.used) { // a second chance: to the back, without the bit
        first.used = false;
        this.#map.set(oldest, first);
      }
    }
  }

  /** Size, bound and hit counts (no tile content). */
  stats(): TileCacheStats {
    return { tiles: this.#map.size, maxTiles: this.#max, hits: this.#hits, misses: this.#misses };
  }
}

/** The proof tile cache the environment asks for: KEYHOLE_PROOF_CACHE_TILES tiles (default
 *  DEFAULT_PROOF_CACHE_TILES; 0 turns caching off; each tile costs at most 12,256 bytes).
 *  @throws Error when the setting is not a whole number from 0 to 1,000,000 (start-up stops). */
export function proofTileCacheFromEnv(env: Readonly<Record<string, string | undefined>>): TileLevelCache {
  const v = env.KEYHOLE_PROOF_CACHE_TILES;
  if (v === undefined || v === '') return new TileLevelCache();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new Error('KEYHOLE_PROOF_CACHE_TILES must be a whole number from 0 to 1000000');
  return new TileLevelCache(n);
}
