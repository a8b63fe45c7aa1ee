// The read side of the log for the API: signed checkpoints, inclusion and consistency proofs,
// hash tiles, entries and offline proofs, all bounded by the latest signed checkpoint and read
// from tlog_tiles in O(log n) tiles. RFC 9162 §2.1.3–2.1.4, C2SP tlog-tiles and tlog-proof.
// Indexes and sizes reach here from HTTP queries (attacker-controlled): every one is checked
// against the signed tree before any tile is read.
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { proveConsistency, proveInclusion } from '../shared/tlog/proofs.js';
import { storedHashIndex } from '../shared/tlog/stored-hash-index.js';
import { tileWidthForSize, type Tile } from '../shared/tlog/tiles.js';
import { formatTlogProof } from '../shared/tlog/tlog-proof.js';
import { isSafeIndex } from '../shared/tlog/tree-math.js';
import { checkpointAt, latestCheckpoint, type StoredCheckpoint } from './checkpoint-store.js';
import type { AuditTables } from './tables.js';
import { CachedHashReader, proofTileCacheFromEnv, TileLevelCache, type TileCacheStats } from './cached-hash-reader.js';
import { DbTileReader } from './tile-store.js';
import { TileWarmer } from './tile-warmer.js';

/** An inclusion proof: leaf `index` with hash `leafHash` is in the tree of `size` leaves;
 *  `proof` is the RFC 9162 audit path (leaf to root, 32-byte hashes). */
export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/** A consistency proof that the tree of `from` leaves is a prefix of the tree of `to`. */
export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly proof: readonly Uint8Array[];
}

/** One entry of the log: its sequence number, its canonical JSON (the leaf data) and hash. */
export interface LogEntry {
  readonly seq: number;
  readonly entry: string;
  readonly leafHash: Uint8Array;
}

/** How long proofs may bound sizes by a remembered latest checkpoint, in ms (monotonic time:
 *  a cache lifetime, not domain time). */
const LATEST_TTL_MS = 100;

/** The oldest remembered checkpoint a proof may still be bounded by while a background read
 *  refreshes it, in ms (monotonic). */
const LATEST_MAX_STALE_MS = 1_000;

/** The reader the server's proof routes use: its tile cache sized by KEYHOLE_PROOF_CACHE_TILES
 *  in `env`, warmed in the background. @throws Error on a bad KEYHOLE_PROOF_CACHE_TILES. */
export function proofLogReader(db: Kysely<AuditTables>, env: Readonly<Record<string, string | undefined>>): LogReader {
  return new LogReader(db, proofTileCacheFromEnv(env), { warm: true });
}

/** Reads the log stored in `db`. Every answer is bounded by a signed checkpoint. */
export class LogReader {
  readonly #db: Kysely<AuditTables>;
  readonly #cache: TileLevelCache;
  readonly #warmer: TileWarmer | undefined;
  #recent: { readonly cp: StoredCheckpoint; readonly at: number } | undefined;
  #refreshing: Promise<StoredCheckpoint> | undefined;

  /** @param cache the tile levels kept between calls (default: DEFAULT_PROOF_CACHE_TILES
   *  tiles, at most ≈ 480 MiB; the server sizes it with KEYHOLE_PROOF_CACHE_TILES).
   *  @param opts.warm fill the cache in the background with the full tiles of the latest
   *  signed tree from the first proof on, and with each tile completed later (tile-warmer.ts);
   *  the server's proof routes do (proofLogReader). */
  constructor(db: Kysely<AuditTables>, cache = new TileLevelCache(), opts: { readonly warm?: boolean } = {}) {
    this.#db = db;
    this.#cache = cache;
    this.#warmer = opts.warm === true ? new TileWarmer(new DbTileReader(db), cache) : undefined;
  }

  /** Resolves when the background warm-up in progress (if any) has ended. */
  async warmed(): Promise<void> {
    const r = this.#recent;
    if (this.#warmer !== undefined && r !== undefined) await this.#warmer.warm(r.cp.size);
  }

  /** The tile cache's size and hit counts. */
  cacheStats(): TileCacheStats {
    return this.#cache.stats();
  }

  /** The latest signed checkpoint, read now. @throws KeyholeError NOT_FOUND before the first. */
  async latest(): Promise<StoredCheckpoint> {
    const cp = await latestCheckpoint(this.#db);
    if (cp === undefined) throw new KeyholeError('NOT_FOUND', 'The log has not signed a checkpoint yet.');
    this.#recent = { cp, at: performance.now() };
    return cp;
  }

  /** A signed checkpoint of at least `size` (any when undefined) no older than LATEST_TTL_MS,
   *  else the latest read now: saves a query per proof without refusing a new size. Between
   *  LATEST_TTL_MS and LATEST_MAX_STALE_MS the remembered one is served while one background
   *  read refreshes it, so a busy server never waits for that query on a proof (issue 13:
   *  it was the p99 of cached proofs); an older one is never served. A `size` above the
   *  remembered one is always checked against the latest read now, however fresh the
   *  remembered one: a checkpoint signed a moment ago (the witnesses ask for its consistency
   *  proof at once) is never refused as outside the log. */
  async #latestCovering(size: number | undefined): Promise<StoredCheckpoint> {
    const r = this.#recent;
    if (r !== undefined && size !== undefined) return size <= r.cp.size ? r.cp : this.latest();
    const age = r === undefined ? Infinity : performance.now() - r.at;
    if (r !== undefined && age < LATEST_TTL_MS) return r.cp;
    if (r !== undefined && age < LATEST_MAX_STALE_MS) {
      this.#refreshing ??= this.latest().catch(() => r.cp).finally(() => { this.#refreshing = undefined; });
      return r.cp;
    }
    return this.latest();
  }

  /** The proof that leaf `index` is in the tree of `size` leaves (default: the latest
   *  checkpoint's size). @throws KeyholeError INDEX_OUT_OF_RANGE unless
   *  0 <= index < size <= the latest signed size. */
  async inclusionProof(index: number, size?: number): Promise<InclusionProof> {
    const { reader, treeSize } = await this.#treeOf(size);
    if (!isSafeIndex(index) || index >= treeSize) throw new KeyholeError('INDEX_OUT_OF_RANGE', `leaf ${index} is not in the tree of ${treeSize}`);
    const proof = await proveInclusion(index, treeSize, reader);
    const [leafHash] = await reader.readHashes([storedHashIndex(0, index)]); // cached: the same tile
    return { index, size: treeSize, leafHash: leafHash!, proof };
  }

  /** The inclusion proof of the first entry with `leafHash` in the tree of `size` leaves.
   *  @throws KeyholeError NOT_FOUND when no such entry is in that tree; as inclusionProof. */
  async inclusionProofByLeaf(leafHash: Uint8Array, size?: number): Promise<InclusionProof> {
    const treeSize = size ?? (await this.#latestCovering(undefined)).size;
    const row = await this.#db.selectFrom('audit_log').select('seq').where('leaf_hash', '=', leafHash).where('seq', '<', treeSize)
      .orderBy('seq').limit(1).executeTakeFirst();
    if (row === undefined) throw new KeyholeError('NOT_FOUND', 'No entry with this leaf hash is in the tree.');
    return this.inclusionProof(row.seq, treeSize);
  }

  /** The proof that the tree of `from` leaves is a prefix of the tree of `to` (default: the
   *  latest size). @throws KeyholeError INDEX_OUT_OF_RANGE unless 0 <= from <= to <= latest. */
  async consistencyProof(from: number, to?: number): Promise<ConsistencyProof> {
    const { reader, treeSize } = await this.#treeOf(to, 0);
    if (!isSafeIndex(from) || from > treeSize) throw new KeyholeError('INDEX_OUT_OF_RANGE', `tree size ${from} is not a prefix of ${treeSize}`);
    return { from, to: treeSize, proof: await proveConsistency(from, treeSize, reader) };
  }

  /** The first `tile.width` hashes of a tile of the latest signed tree (tlog-tiles bytes).
   *  @throws KeyholeError NOT_FOUND when that tree has no such tile at that width. */
  async tile(tile: Tile): Promise<Uint8Array> {
    const latest = await this.latest();
    if (tileWidthForSize(tile.level, tile.index, latest.size) < tile.width) throw new KeyholeError('NOT_FOUND', 'No such tile in the log.');
    const [data] = await new DbTileReader(this.#db).readTiles([tile]);
    return data!.subarray(0, tile.width * 32);
  }

  /** Up to `limit` entries from sequence number `from`, within the latest signed tree of
   *  `size` leaves. */
  async entries(from: number, limit: number): Promise<{ readonly size: number; readonly entries: readonly LogEntry[] }> {
    const latest = await this.latest();
    const rows = await this.#db.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash']).where('seq', '>=', from)
      .where('seq', '<', latest.size).orderBy('seq').limit(limit).execute();
    return { size: latest.size, entries: rows.map((r) => ({ seq: r.seq, entry: r.entry, leafHash: r.leaf_hash })) };
  }

  /** The C2SP tlog-proof of entry `seq` against the signed checkpoint of `size` (default:
   *  the latest); no extra data (the entry names a customer: fetch it with authorization).
   *  @throws KeyholeError NOT_FOUND when no checkpoint of that size was signed;
   *  INDEX_OUT_OF_RANGE when seq is not below it. */
  async entryProof(seq: number, size?: number): Promise<string> {
    const cp = size === undefined ? await this.latest() : await checkpointAt(this.#db, size);
    if (cp === undefined) throw new KeyholeError('NOT_FOUND', 'No checkpoint of this size was signed.');
    if (!isSafeIndex(seq) || seq >= cp.size) throw new KeyholeError('INDEX_OUT_OF_RANGE', `entry ${seq} is not in the tree of ${cp.size}`);
    const reader = new CachedHashReader(cp.size, new DbTileReader(this.#db), this.#cache);
    return formatTlogProof({ index: seq, proof: await proveInclusion(seq, cp.size, reader), checkpointNote: cp.note });
  }

  /** A hash reader for the tree of `size` (default latest), checked to be in [min, latest].
   *  It does not authenticate the tiles: clients verify every proof against a checkpoint. */
  async #treeOf(size: number | undefined, min = 1): Promise<{ reader: CachedHashReader; treeSize: number }> {
    const latest = await this.#latestCovering(size);
    void this.#warmer?.warm(latest.size);
    const treeSize = size ?? latest.size;
    if (!isSafeIndex(treeSize) || treeSize < min || treeSize > latest.size) {
      throw new KeyholeError('INDEX_OUT_OF_RANGE', `tree size ${treeSize} is outside the signed log (size ${latest.size})`);
    }
    return { reader: new CachedHashReader(treeSize, new DbTileReader(this.#db), this.#cache), treeSize };
  }
}
