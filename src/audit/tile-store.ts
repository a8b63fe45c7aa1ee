// The tree's tiles in the database (tlog_tiles, C2SP tlog-tiles layout): a TileReader over the
// table, the writer the integrator uses, and two in-memory wrappers (an overlay of tiles not
// yet committed, a per-request memo). One row per (level, index), latest version only.
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { HASH_SIZE } from '../shared/tlog/hash.js';
import type { Tile, TileData, TileReader } from '../shared/tlog/tiles.js';
import type { AuditTables } from './tables.js';

const key = (level: number, index: number) => `${level}/${index}`;

// Precompiled (no query building per proof): the stored tiles among ($1[i], $2[i]).
const READ_TILES = `select t.level, t.idx, t.data from tlog_tiles t
  join unnest($1::int2[], $2::int8[]) as w(level, idx) on t.level = w.level and t.idx = w.idx`;

/** Reads tiles from tlog_tiles in one query per call. Returns the stored (latest) data of each
 *  requested tile, which may be wider than asked (the TileReader contract allows it).
 *  @throws KeyholeError LOG_VERIFY_FAILED when a tile is missing or narrower than requested. */
export class DbTileReader implements TileReader {
  readonly #db: Kysely<AuditTables>;

  constructor(db: Kysely<AuditTables>) {
    this.#db = db;
  }

  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    if (tiles.length === 0) return [];
    const found = await this.readStored(tiles);
    return tiles.map((t) => {
      const data = found.get(key(t.level, t.index));
      if (data === undefined || data.length < t.width * HASH_SIZE) {
        throw new KeyholeError('LOG_VERIFY_FAILED', `tile ${t.level}/${t.index} is missing or shorter than ${t.width} hashes`, {
          details: { level: t.level, index: t.index },
        });
      }
      return data;
    });
  }

  /** The stored data of whichever of `tiles` exist, keyed `level/index` (no width check). */
  async readStored(tiles: readonly Pick<Tile, 'level' | 'index'>[]): Promise<Map<string, Uint8Array>> {
    const levels = tiles.map((t) => t.level);
    const indexes = tiles.map((t) => t.index);
    const rows = await this.#db.executeQuery<{ level: number; idx: number; data: Uint8Array }>(CompiledQuery.raw(READ_TILES, [levels, indexes]));
    return new Map(rows.rows.map((r) => [key(r.level, Number(r.idx)), new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)]));
  }
}

/** Stores `tiles` (the output of integrate) in one statement: new rows are inserted, grown
 *  partial tiles replace their row. The table's trigger refuses any row that does not extend
 *  the stored one. MUST run in the transaction that records the new tree size. */
export async function writeTiles(trx: Kysely<AuditTables>, tiles: readonly TileData[]): Promise<void> {
  if (tiles.length === 0) return;
  await sql`
    insert into tlog_tiles (level, idx, data)
    select * from unnest(${tiles.map((t) => t.tile.level)}::int2[], ${tiles.map((t) => t.tile.index)}::int8[], ${tiles.map((t) => t.data)}::bytea[])
    on conflict (level, idx) do update set data = excluded.data where tlog_tiles.data <> excluded.data`.execute(trx);
}

/** Serves `tiles` from memory and everything else from `base`: the tree as it will be once
 *  those tiles are committed. */
export class OverlayTileReader implements TileReader {
  readonly #mem = new Map<string, Uint8Array>();
  readonly #base: TileReader;

  constructor(tiles: readonly TileData[], base: TileReader) {
    for (const t of tiles) this.#mem.set(key(t.tile.level, t.tile.index), t.data);
    this.#base = base;
  }

  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    const missing = tiles.filter((t) => !this.#covers(t));
    const fetched = missing.length > 0 ? await this.#base.readTiles(missing) : [];
    let next = 0;
    return tiles.map((t) => (this.#covers(t) ? this.#mem.get(key(t.level, t.index))! : fetched[next++]!));
  }

  #covers(t: Tile): boolean {
    const d = this.#mem.get(key(t.level, t.index));
    return d !== undefined && d.length >= t.width * HASH_SIZE;
  }
}

/** Remembers every tile `base` returned, so several proofs for one request read each tile from
 *  the database once. Use one per request: it never expires. */
export class MemoTileReader implements TileReader {
  readonly #mem = new Map<string, Uint8Array>();
  readonly #base: TileReader;

  constructor(base: TileReader) {
    this.#base = base;
  }

  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    const missing = tiles.filter((t) => !this.#has(t));
    if (missing.length > 0) {
      const fetched = await this.#base.readTiles(missing);
      missing.forEach((t, i) => this.#mem.set(key(t.level, t.index), fetched[i]!));
    }
    return tiles.map((t) => this.#mem.get(key(t.level, t.index))!);
  }

  #has(t: Tile): boolean {
    const d = this.#mem.get(key(t.level, t.index));
    return d !== undefined && d.length >= t.width * HASH_SIZE;
  }
}
