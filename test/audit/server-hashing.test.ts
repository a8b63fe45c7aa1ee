// The server's node:crypto hashing must give exactly the shared, browser-safe results: leaf
// hashes (src/audit/leaf-hash.ts vs src/shared/tlog/hash.ts) and the cached tile hash reader
// (src/audit/cached-hash-reader.ts vs src/shared/tlog/tile-hash-reader.ts), and proofs built
// on it verify. Pure: in-memory tiles, no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CachedHashReader, TileLevelCache } from '../../src/audit/cached-hash-reader.js';
import { auditLeafHash } from '../../src/audit/leaf-hash.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { leafHash } from '../../src/shared/tlog/hash.js';
import { proveConsistency, proveInclusion } from '../../src/shared/tlog/proofs.js';
import { verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { storedHashCount } from '../../src/shared/tlog/stored-hash-index.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import { MemoryTileStore } from '../tlog/support/memory-tile-store.js';
import { makeLeaves, naiveRoot } from '../tlog/support/naive-tree.js';

describe('server-side hashing', () => {
  it('leaf hashes equal the shared implementation for any data (fast-check)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
      assert.deepEqual(new Uint8Array(auditLeafHash(data)), leafHash(data));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.string(), (s) => {
      assert.deepEqual(new Uint8Array(auditLeafHash(s)), leafHash(new TextEncoder().encode(s)));
    }), { numRuns: 300 });
  });

  it('the cached reader answers every stored hash like TileHashReader, at any size (fast-check)', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 70_000);
    await store.append(leaves);
    const cache = new TileLevelCache(8); // tiny: eviction between calls must not matter
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 70_000 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), async (size, picks) => {
      const indexes = picks.map((p) => p % storedHashCount(size));
      const fast = await new CachedHashReader(size, store, cache).readHashes(indexes);
      const shared = await new TileHashReader({ size }, store).readHashes(indexes);
      assert.deepEqual(fast.map((h) => new Uint8Array(h)), shared.map((h) => new Uint8Array(h)));
    }), { numRuns: 150 });
  });

  it('proofs built on it verify against the naive root', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 3000);
    await store.append(leaves);
    const cache = new TileLevelCache();
    for (const [index, size] of [[0, 1], [255, 256], [256, 257], [1234, 2999], [2999, 3000]] as const) {
      const reader = new CachedHashReader(size, store, cache);
      verifyInclusion(leaves[index]!, index, size, await proveInclusion(index, size, reader), naiveRoot(leaves.slice(0, size)));
      verifyConsistency(index, size, await proveConsistency(index, size, reader), naiveRoot(leaves.slice(0, index)), naiveRoot(leaves.slice(0, size)));
    }
    await assert.rejects(new CachedHashReader(10, store, cache).readHashes([storedHashCount(10)]), (e) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE'));
  });
});
