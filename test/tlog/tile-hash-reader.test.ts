// TileHashReader: the hashes it serves equal the oracle's node hashes, it reads O(log n)
// tiles, and it refuses tampered, stale or malformed tiles (including a full tile away from
// the right edge, which Go's loop bound would leave unchecked when right-edge hashes share
// a tile).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import type { HashReader } from '../../src/shared/tlog/hash-reader.js';
import { splitStoredHashIndex, storedHashCount, storedHashIndex } from '../../src/shared/tlog/stored-hash-index.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import type { TileReader } from '../../src/shared/tlog/tiles.js';
import { treeHash } from '../../src/shared/tlog/tree-hash.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import { makeLeaves, naiveRoot } from './support/naive-tree.js';

const verifyFailed = (e: unknown) => isKeyholeError(e, 'LOG_VERIFY_FAILED');

async function tree(size: number) {
  const store = new MemoryTileStore();
  const leaves = makeLeaves(0, size);
  const { root } = await store.append(leaves);
  return { store, leaves, root };
}

describe('TileHashReader', () => {
  it('serves every stored hash of a tree as the oracle computes it', async () => {
    for (const size of [1, 2, 255, 256, 257, 300, 513, 1000]) {
      const { store, leaves, root } = await tree(size);
      const reader = new TileHashReader({ size, rootHash: root }, store);
      const indexes = Array.from({ length: storedHashCount(size) }, (_, i) => i);
      const hashes = await reader.readHashes(indexes);
      indexes.forEach((x) => {
        const [level, n] = splitStoredHashIndex(x);
        assert.deepEqual(hashes[x], naiveRoot(leaves, n * 2 ** level, (n + 1) * 2 ** level), `size ${size}, hash ${x}`);
      });
    }
  });

  it('reads O(log n) tiles for a tree hash', async () => {
    const { store, root } = await tree(70_000);
    const reader = new TileHashReader({ size: 70_000, rootHash: root }, store);
    const before = store.tilesRead;
    assert.deepEqual(await treeHash(70_000, reader), root);
    assert.ok(store.tilesRead - before <= 3, `${store.tilesRead - before} tiles`);
  });

  it('detects a tampered full tile away from the right edge (size 300)', async () => {
    const { store, root } = await tree(300);
    store.tamper(0, 0, 5 * 32); // leaf 5, in the full tile 0/0
    const leaf5 = storedHashIndex(0, 5);
    await assert.rejects(new TileHashReader({ size: 300, rootHash: root }, store).readHashes([leaf5]), verifyFailed);
    // Even without a root the tile disagrees with its parent.
    await assert.rejects(new TileHashReader({ size: 300 }, store).readHashes([leaf5]), verifyFailed);
  });

  it('detects a tampered right-edge tile only against a root', async () => {
    const { store, root } = await tree(300);
    store.tamper(0, 1, 0);
    const leaf256 = storedHashIndex(0, 256);
    await assert.rejects(new TileHashReader({ size: 300, rootHash: root }, store).readHashes([leaf256]), verifyFailed);
    await new TileHashReader({ size: 300 }, store).readHashes([leaf256]); // documented: unauthenticated
  });

  it('refuses a root that the tiles do not reproduce', async () => {
    const { store } = await tree(300);
    const other = (await tree(301)).root;
    await assert.rejects(new TileHashReader({ size: 300, rootHash: other }, store).readHashes([0]), verifyFailed);
  });

  it('refuses malformed reader answers and indexes outside the tree', async () => {
    const { store, root } = await tree(10);
    const bad: TileReader[] = [
      { readTiles: async () => [] },
      { readTiles: async (t) => t.map(() => new Uint8Array(32 * 9)) },
      { readTiles: async (t) => t.map(() => new Uint8Array(32 * 10 + 1)) },
      { readTiles: async (t) => t.map(() => new Uint8Array(32 * 257)) },
      { readTiles: async (t) => t.map(() => 'x' as unknown as Uint8Array) },
    ];
    for (const r of bad) await assert.rejects(new TileHashReader({ size: 10, rootHash: root }, r).readHashes([0]), verifyFailed);
    const reader = new TileHashReader({ size: 10, rootHash: root }, store);
    for (const x of [storedHashCount(10), -1, 0.5, Number.NaN]) {
      await assert.rejects(reader.readHashes([x]), (e) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE'));
    }
    await assert.rejects(new TileHashReader({ size: 0 }, store).readHashes([0]), (e) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE'));
    assert.deepEqual(await reader.readHashes([]), []);
    assert.throws(() => new TileHashReader({ size: 10, rootHash: new Uint8Array(31) }, store), verifyFailed);
  });

  it('lets treeHash refuse a reader that answers with the wrong shape', async () => {
    const liar: HashReader = { readHashes: async (xs) => xs.slice(1).map(() => new Uint8Array(32)) };
    await assert.rejects(treeHash(3, liar), verifyFailed);
  });
});
