// The incremental, tiled integration against an independent oracle: random successive
// batches must give the RFC 6962 root of a full recompute, and the stored tiles must equal
// the tiles recomputed from scratch (C2SP tlog-tiles). tessera integrate_test.go's approach.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKeyholeError } from '../../src/shared/errors.js';
import { integrate } from '../../src/shared/tlog/integrate.js';
import { changedTiles, partialTiles, type Tile, type TileReader } from '../../src/shared/tlog/tiles.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import { makeLeaves, naiveRoot, naiveTiles } from './support/naive-tree.js';

const key = (t: Tile) => `${t.level}/${t.index}/${t.width}`;

/** Runs the batches through integrate, checking root, emitted tiles and the store after each. */
async function checkBatches(batches: readonly number[], fullTileCheck = true): Promise<void> {
  const store = new MemoryTileStore();
  const leaves: Uint8Array[] = [];
  for (const count of batches) {
    const fromSize = leaves.length;
    const batch = makeLeaves(fromSize, count);
    leaves.push(...batch);
    const before = { calls: store.calls, tiles: store.tilesRead };
    const result = await store.append(batch);
    assert.equal(result.newSize, leaves.length);
    assert.deepEqual(result.root, naiveRoot(leaves), `root after ${batches.join('+')}`);
    // It reads at most the partial tiles of fromSize, in one call.
    assert.ok(store.calls - before.calls <= 1);
    assert.equal(store.tilesRead - before.tiles, partialTiles(fromSize).length);
    // It emits exactly the changed tiles (none for an empty batch), in order.
    assert.deepEqual(result.tiles.map((t) => key(t.tile)), changedTiles(fromSize, leaves.length).map(key));
    if (fullTileCheck) {
      const expected = naiveTiles(leaves);
      for (const { tile, data } of result.tiles) assert.deepEqual(data, expected.get(`${tile.level}/${tile.index}`), key(tile));
      assert.deepEqual(new Map(store.entries()), expected, 'store equals the tiles recomputed from scratch');
    }
  }
}

describe('integrate', () => {
  it('matches a full recompute for random successive batches (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 6 }), (batches) => checkBatches(batches)),
      { numRuns: 40 },
    );
  });

  it('handles batches ending exactly on and around tile boundaries', async () => {
    await checkBatches([255, 1, 1, 254, 1]);
    await checkBatches([256, 256, 0, 511, 2]);
    await checkBatches([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    await checkBatches([0, 0, 3]);
  });

  it('crosses into tile level 2 (65,536 leaves) and matches the C2SP 70,000 example', async () => {
    await checkBatches([65_535, 1, 4_464], false);
    const tiles = changedTiles(0, 70_000);
    const count = (level: number, full: boolean) => tiles.filter((t) => t.level === level && (t.width === 256) === full).length;
    assert.deepEqual([count(0, true), count(0, false), count(1, true), count(1, false), count(2, false)], [273, 1, 1, 1, 1]);
    assert.deepEqual(tiles.filter((t) => t.width < 256).map((t) => t.width), [112, 17, 1]);
    assert.deepEqual(changedTiles(0, 256).map(key), ['0/0/256', '1/0/1']);
  });

  it('returns the same root and no tiles for an empty batch', async () => {
    const store = new MemoryTileStore();
    const first = await store.append(makeLeaves(0, 300));
    const again = await integrate(300, [], store);
    assert.deepEqual(again, { newSize: 300, root: first.root, tiles: [] });
    const empty = await integrate(0, [], store);
    assert.deepEqual(empty.root, naiveRoot([]));
  });

  it('checks fromRoot against the stored tiles', async () => {
    const store = new MemoryTileStore();
    const { root } = await store.append(makeLeaves(0, 700));
    await integrate(700, makeLeaves(700, 5), store, { fromRoot: root });
    store.tamper(0, 2, 0); // the partial level-0 tile of size 700
    await assert.rejects(integrate(700, makeLeaves(700, 5), store, { fromRoot: root }), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED'));
  });

  it('refuses malformed tile data, leaf hashes and sizes', async () => {
    const store = new MemoryTileStore();
    await store.append(makeLeaves(0, 10));
    const short: TileReader = { readTiles: async () => [new Uint8Array(32 * 9)] };
    const ragged: TileReader = { readTiles: async () => [new Uint8Array(32 * 10 + 1)] };
    const missing: TileReader = { readTiles: async () => [] };
    for (const r of [short, ragged, missing]) {
      await assert.rejects(integrate(10, makeLeaves(10, 1), r), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED'));
    }
    await assert.rejects(integrate(10, [new Uint8Array(31)], store), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED'));
    for (const size of [-1, 1.5, Number.NaN, 2 ** 52 + 1]) {
      await assert.rejects(integrate(size, [], store), (e) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE'));
    }
  });

  it('accepts a wider stored version of a partial tile (a later state) and uses its prefix', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 120);
    await store.append(leaves); // store holds tile 0/0 with width 120
    const fork = await integrate(100, makeLeaves(100, 20, 'other'), store);
    const expected = naiveRoot([...leaves.slice(0, 100), ...makeLeaves(100, 20, 'other')]);
    assert.deepEqual(fork.root, expected);
  });
});
