// The verifier's independent copy of the tree: rebuilt from the entries' leaf hashes with the
// shared integrate(), compared tile by tile with tlog_tiles and, at every signed checkpoint's
// size, root against root. Keeps only the right-edge partial tiles in memory. C2SP tlog-tiles.
import { sql, type Kysely } from 'kysely';
import { emptyRoot, HASH_SIZE, hashesEqual } from '../shared/tlog/hash.js';
import { integrate } from '../shared/tlog/integrate.js';
import { TILE_WIDTH, type Tile, type TileData, type TileReader } from '../shared/tlog/tiles.js';
import type { StoredCheckpoint } from './checkpoint-store.js';
import type { AuditTables } from './tables.js';
import { DbTileReader } from './tile-store.js';

/** A finding: the first leaf position it concerns, and whether the position is exact (an
 *  entry or tile) or only the start of a range (a root mismatch between two checkpoints). */
export interface Problem {
  readonly index: number;
  readonly exact: boolean;
  readonly text: string;
}

const key = (level: number, index: number) => `${level}/${index}`;

/** The first leaf under hash `n` of tile level `level`. */
const leafOf = (level: number, n: number) => n * TILE_WIDTH ** level;

/** The rebuilt tree. Feed leaves in order with extend(); call finish() once at the end. */
export class TreeRebuild implements TileReader {
  readonly #db: Kysely<AuditTables>;
  readonly #tiles: DbTileReader;
  readonly #checkpoints: readonly StoredCheckpoint[];
  readonly #edge = new Map<string, Uint8Array>();
  #next = 0; // the first checkpoint not yet compared
  #prevSigned = 0;
  #size = 0;
  #root: Uint8Array = emptyRoot();

  /** `checkpoints`: authenticated checkpoints, by size ascending. */
  constructor(db: Kysely<AuditTables>, checkpoints: readonly StoredCheckpoint[]) {
    this.#db = db;
    this.#tiles = new DbTileReader(db);
    this.#checkpoints = checkpoints;
  }

  /** Leaves so far. */
  get size(): number {
    return this.#size;
  }

  /** Serves integrate() the rebuilt right-edge tiles. */
  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    return tiles.map((t) => this.#edge.get(key(t.level, t.index))!);
  }

  /** Appends `leaves`, comparing the root at each checkpoint size reached and every tile
   *  completed with the stored one. */
  async extend(leaves: readonly Uint8Array[]): Promise<Problem[]> {
    const problems: Problem[] = [];
    const full: TileData[] = [];
    for (let i = 0; ;) {
      this.#compareRoots(problems);
      if (i >= leaves.length) break;
      const boundary = this.#checkpoints[this.#next]?.size ?? Infinity;
      const take = Math.min(leaves.length - i, boundary - this.#size);
      const result = await integrate(this.#size, leaves.slice(i, i + take), this);
      for (const t of result.tiles) {
        if (t.tile.width === TILE_WIDTH) {
          full.push(t);
          this.#edge.delete(key(t.tile.level, t.tile.index));
        } else {
          this.#edge.set(key(t.tile.level, t.tile.index), t.data);
        }
      }
      [this.#size, this.#root] = [result.newSize, result.root];
      i += take;
    }
    problems.push(...(await this.#compareStored(full, false)));
    return problems;
  }

  /** Compares the right-edge tiles with the stored ones: as prefixes where the walk stopped
   *  early; exactly, and with no stored tile beyond the tree, when `complete`. */
  async finish(signedSize: number, complete: boolean): Promise<Problem[]> {
    const edge = [...this.#edge].map(([k, data]) => {
      const [level, index] = k.split('/').map(Number) as [number, number];
      return { tile: { level, index, width: data.length / HASH_SIZE }, data };
    });
    const problems = await this.#compareStored(edge, complete);
    if (complete) problems.push(...(await this.#extraTiles(signedSize)));
    return problems;
  }

  #compareRoots(problems: Problem[]): void {
    for (let cp = this.#checkpoints[this.#next]; cp !== undefined && cp.size <= this.#size; cp = this.#checkpoints[++this.#next]) {
      if (cp.size === this.#size && !hashesEqual(cp.rootHash, this.#root)) {
        problems.push({ index: this.#prevSigned, exact: false,
          text: `the tree of ${cp.size} entries does not have its signed root: a leaf in [${this.#prevSigned}, ${cp.size}) was changed` });
      }
      this.#prevSigned = cp.size;
    }
  }

  /** Problems of `rebuilt` against tlog_tiles: a missing tile, the first differing hash, or
   *  (when `exact`) a stored tile wider than the rebuilt one. */
  async #compareStored(rebuilt: readonly TileData[], exact: boolean): Promise<Problem[]> {
    if (rebuilt.length === 0) return [];
    const stored = await this.#tiles.readStored(rebuilt.map((t) => t.tile));
    const problems: Problem[] = [];
    for (const { tile, data } of rebuilt) {
      const s = stored.get(key(tile.level, tile.index));
      const at = (n: number) => leafOf(tile.level, tile.index * TILE_WIDTH + n);
      const name = `tile ${tile.level}/${tile.index}`;
      if (s === undefined) {
        problems.push({ index: at(0), exact: true, text: `${name} is missing` });
        continue;
      }
      const n = firstDifference(data, s);
      if (n !== undefined) problems.push({ index: at(n), exact: true, text: `${name} differs from the entries at hash ${n}` });
      else if (exact && s.length > data.length) problems.push({ index: at(tile.width), exact: true, text: `${name} holds hashes beyond the signed tree` });
    }
    return problems;
  }

  /** A stored tile that a tree of `size` leaves does not have, if any. */
  async #extraTiles(size: number): Promise<Problem[]> {
    const rows = await sql<{ level: number; idx: number }>`select level, min(idx) as idx from tlog_tiles t
      where idx >= ceil(floor(${size}::numeric / power(256::numeric, level)) / 256) group by level`.execute(this.#db);
    return rows.rows.map((r) => ({
      index: leafOf(r.level, Number(r.idx) * TILE_WIDTH), exact: true, text: `tile ${r.level}/${r.idx} lies beyond the signed tree`,
    }));
  }
}

/** The index of the first 32-byte hash of `a` that differs in `b` (b may be longer). */
function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  for (let n = 0; n * HASH_SIZE < a.length; n++) {
    const off = n * HASH_SIZE;
    if (b.length < off + HASH_SIZE || !hashesEqual(a.subarray(off, off + HASH_SIZE), b.subarray(off, off + HASH_SIZE))) return n;
  }
  return undefined;
}
