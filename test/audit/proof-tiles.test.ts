// Issue 13 item 3: an inclusion proof at size N touches at most ⌈log₂₅₆ N⌉ + 1 tiles with a
// cold cache, and none again once its tiles are in the LRU (src/audit/cached-hash-reader.ts).
// Pure: in-memory tiles that count reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CachedHashReader, TileLevelCache } from '../../src/audit/cached-hash-reader.js';
import { proveInclusion } from '../../src/shared/tlog/proofs.js';
import { verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { MemoryTileStore } from '../tlog/support/memory-tile-store.js';
import { makeLeaves, naiveRoot } from '../tlog/support/naive-tree.js';

describe('inclusion proofs from cached tiles', () => {
  it('touch at most ⌈log256 N⌉ + 1 tiles cold, in one read, and no tile warm (fast-check)', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 70_000);
    await store.append(leaves);
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 70_000 }), fc.nat(), async (size, pick) => {
      const index = pick % size;
      const cache = new TileLevelCache();
      const [reads0, tiles0] = [store.calls, store.tilesRead];
      await proveInclusion(index, size, new CachedHashReader(size, store, cache));
      const bound = Math.ceil(Math.log(size) / Math.log(256) - 1e-9) + 1;
      assert.ok(store.tilesRead - tiles0 <= bound, `${store.tilesRead - tiles0} tiles for ${index}/${size}, bound ${bound}`);
      assert.ok(store.calls - reads0 <= 1);
      const tiles1 = store.tilesRead;
      await proveInclusion(index, size, new CachedHashReader(size, store, cache));
      assert.equal(store.tilesRead, tiles1);
    }), { numRuns: 200 });
    const size = 65_537;
    verifyInclusion(leaves[4242]!, 4242, size, await proveInclusion(4242, size, new CachedHashReader(size, store, new TileLevelCache(2))), naiveRoot(leaves.slice(0, size)));
  });
});
