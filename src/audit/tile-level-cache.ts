// The proof tile cache (issue 13 item 3): a bounded least-recently-used map from a tile at one
// width to its inner levels, shared by the proofs of a process, sized by
// KEYHOLE_PROOF_CACHE_TILES. A tile may also be put in raw (its stored hashes only, as the
// warmer loads them): its levels are computed on its first use. RFC 9162 §2.1.1 node hashes,
// C2SP tlog-tiles layout.
import { hash } from 'node:crypto';
import { HASH_SIZE } from '../shared/tlog/hash.js';
import { TILE_HEIGHT, TILE_WIDTH, type Tile } from '../shared/tlog/tiles.js';

/** levels[k] holds the hashes of the complete aligned groups of 2^k tile entries (views
 *  into one buffer per tile). */
export type TileLevels = readonly Uint8Array[];

/** Tiles a TileLevelCache keeps by default: every tile of a 1M-entry log (3,924), about 64 MiB. */
export const DEFAULT_PROOF_CACHE_TILES = 4096;

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

/** A bounded least-recently-used map of tile levels (keys from tileKey). */
export class TileLevelCache {
  readonly #max: number;
  readonly #map = new Map<string, TileLevels | Uint8Array>();
  #hits = 0;
  #misses = 0;

  /** @param maxTiles most tiles kept (each costs at most 16 KiB: 511 hashes); 0 keeps none.
   *  @throws RangeError unless a whole number >= 0. */
  constructor(maxTiles = DEFAULT_PROOF_CACHE_TILES) {
    if (!Number.isInteger(maxTiles) || maxTiles < 0) throw new RangeError('maxTiles must be a whole number >= 0');
    this.#max = maxTiles;
  }

  /** The levels of the tile of `key`, now the most recently used; undefined (a miss) when
   *  not cached. */
  get(key: string): TileLevels | undefined {
    const v = this.#map.get(key);
    if (v === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    const levels = v instanceof Uint8Array ? tileLevels(v) : v;
    this.#map.delete(key);
    this.#map.set(key, levels);
    return levels;
  }

  /** Computes, in place, the levels of the tile of `key` if it was put in raw (not a use: the
   *  LRU order and the counts stay); true when it did. */
  settle(key: string): boolean {
    const v = this.#map.get(key);
    if (!(v instanceof Uint8Array)) return false;
    this.#map.set(key, tileLevels(v));
    return true;
  }

  /** True when `key` is cached (not a use: the LRU order and the counts stay). */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Keeps `levels` (or a tile's `raw` stored hashes, exactly its width's) under `key`,
   *  evicting the least recently used tiles beyond the bound. */
  set(key: string, levels: TileLevels | Uint8Array): void {
    if (this.#max === 0) return;
    this.#map.delete(key);
    this.#map.set(key, levels);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  /** Size, bound and hit counts (no tile content). */
  stats(): TileCacheStats {
    return { tiles: this.#map.size, maxTiles: this.#max, hits: this.#hits, misses: this.#misses };
  }
}

/** The proof tile cache the environment asks for: KEYHOLE_PROOF_CACHE_TILES tiles (default
 *  DEFAULT_PROOF_CACHE_TILES; 0 turns caching off; each tile costs at most 16 KiB).
 *  @throws Error when the setting is not a whole number from 0 to 1,000,000 (start-up stops). */
export function proofTileCacheFromEnv(env: Readonly<Record<string, string | undefined>>): TileLevelCache {
  const v = env.KEYHOLE_PROOF_CACHE_TILES;
  if (v === undefined || v === '') return new TileLevelCache();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new Error('KEYHOLE_PROOF_CACHE_TILES must be a whole number from 0 to 1000000');
  return new TileLevelCache(n);
}

/** Every level of complete aligned groups over the tile entries in `data` (a copy: `data`
 *  may be reused by its owner), all in one buffer. */
export function tileLevels(data: Uint8Array): TileLevels {
  const counts: number[] = [];
  for (let k = 0, n = Math.floor(data.length / HASH_SIZE); k <= TILE_HEIGHT; k++, n = Math.floor(n / 2)) counts.push(n);
  const all = new Uint8Array(counts.reduce((a, b) => a + b, 0) * HASH_SIZE);
  const levels: Uint8Array[] = [];
  let at = 0;
  for (const n of counts) {
    levels.push(all.subarray(at, at + n * HASH_SIZE));
    at += n * HASH_SIZE;
  }
  levels[0]!.set(data.subarray(0, counts[0]! * HASH_SIZE));
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = 0x01;
  for (let k = 1; k <= TILE_HEIGHT; k++) {
    const below = levels[k - 1]!;
    const out = levels[k]!;
    for (let j = 0; j < counts[k]!; j++) {
      buf.set(below.subarray(2 * j * HASH_SIZE, (2 * j + 2) * HASH_SIZE), 1);
      out.set(hash('sha256', buf, 'buffer'), j * HASH_SIZE);
    }
  }
  return levels;
}
