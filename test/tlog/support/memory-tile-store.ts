// An in-memory tile store for tests: keeps the latest data of every (level, index), like a
// database table would, and serves narrower reads from it (the TileReader contract allows a
// wider version). Counts reads so tests can check O(log n) access.
import type { Tile, TileData, TileReader } from '../../../src/shared/tlog/tiles.js';
import { integrate, type IntegrateResult } from '../../../src/shared/tlog/integrate.js';

export class MemoryTileStore implements TileReader {
  readonly #tiles = new Map<string, Uint8Array>();
  /** Number of readTiles calls and tiles requested so far. */
  calls = 0;
  tilesRead = 0;
  size = 0;

  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    this.calls++;
    this.tilesRead += tiles.length;
    return tiles.map((t) => {
      const data = this.#tiles.get(`${t.level}/${t.index}`);
      if (data === undefined || data.length < t.width * 32) throw new Error(`missing tile ${t.level}/${t.index}/${t.width}`);
      return data;
    });
  }

  write(tiles: readonly TileData[]): void {
    for (const { tile, data } of tiles) this.#tiles.set(`${tile.level}/${tile.index}`, data);
  }

  /** The latest data of every tile, keyed `level/index`. */
  entries(): ReadonlyMap<string, Uint8Array> {
    return this.#tiles;
  }

  /** Overwrites one byte of a stored tile (tamper tests). */
  tamper(level: number, index: number, byte: number): void {
    const data = this.#tiles.get(`${level}/${index}`);
    if (data === undefined) throw new Error('no such tile');
    const copy = data.slice();
    copy[byte] = copy[byte]! ^ 0x01;
    this.#tiles.set(`${level}/${index}`, copy);
  }

  /** Integrates `leafHashes` at the current size and stores the result. */
  async append(leafHashes: readonly Uint8Array[]): Promise<IntegrateResult> {
    const result = await integrate(this.size, leafHashes, this);
    this.write(result.tiles);
    this.size = result.newSize;
    return result;
  }
}
