// The proof tile cache (issue 13 item 3, src/audit/cached-hash-reader.ts): bounded by its
// size setting (KEYHOLE_PROOF_CACHE_TILES), counting hits and misses, and never serving a
// tile of another tree size: a partial tile cached for one size is not used for a larger tree
// (where it is wider or full), nor a wider one for a smaller tree, while the store grows
// between proofs. Pure: in-memory tiles, checked against the naive RFC 9162 tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CachedHashReader, DEFAULT_PROOF_CACHE_TILES, proofTileCacheFromEnv, TileLevelCache, tileLevels } from '../../src/audit/cached-hash-reader.js';
import { proveConsistency, proveInclusion } from '../../src/shared/tlog/proofs.js';
import { verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { MemoryTileStore } from '../tlog/support/memory-tile-store.js';
import { makeLeaves, naiveRoot } from '../tlog/support/naive-tree.js';

describe('the proof tile cache', () => {
  it('takes its size from KEYHOLE_PROOF_CACHE_TILES, and refuses a bad one', () => {
    assert.equal(proofTileCacheFromEnv({}).stats().maxTiles, DEFAULT_PROOF_CACHE_TILES);
    assert.equal(proofTileCacheFromEnv({ KEYHOLE_PROOF_CACHE_TILES: '12' }).stats().maxTiles, 12);
    assert.equal(proofTileCacheFromEnv({ KEYHOLE_PROOF_CACHE_TILES: '0' }).stats().maxTiles, 0);
    for (const bad of ['-1', '1.5', 'lots', '1000001']) assert.throws(() => proofTileCacheFromEnv({ KEYHOLE_PROOF_CACHE_TILES: bad }), /KEYHOLE_PROOF_CACHE_TILES/);
  });

  it('settles a tile put in raw into its levels in place, without counting a use', () => {
    const raw = Buffer.concat(makeLeaves(0, 256));
    const cache = new TileLevelCache(4);
    cache.set('0/0', raw);
    cache.set('0/1', tileLevels(raw));
    assert.equal(cache.settle('0/1'), false, 'a tile with levels was settled again');
    assert.equal(cache.settle('0/9'), false, 'a tile not cached was settled');
    assert.equal(cache.settle('0/0'), true);
    assert.equal(cache.settle('0/0'), false);
    assert.deepEqual(cache.stats(), { tiles: 2, maxTiles: 4, hits: 0, misses: 0 });
    const levels = cache.get('0/0')!;
    assert.deepEqual(levels.map((l) => Buffer.from(l).toString('hex')), tileLevels(raw).map((l) => Buffer.from(l).toString('hex')));
    assert.equal(Buffer.from(levels[8]!).toString('hex'), Buffer.from(naiveRoot(makeLeaves(0, 256))).toString('hex'));
  });

  it('never holds more tiles than its bound, keeps the most recently used, and counts hits', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 70_000);
    await store.append(leaves);
    const size = 70_000;
    const root = naiveRoot(leaves);
    const cache = new TileLevelCache(5);
    for (let i = 0; i < 200; i++) {
      const index = (i * 7919) % size;
      verifyInclusion(leaves[index]!, index, size, await proveInclusion(index, size, new CachedHashReader(size, store, cache)), root);
      assert.ok(cache.stats().tiles <= 5, `${cache.stats().tiles} tiles cached`);
    }
    const before = store.tilesRead;
    await proveInclusion(42, size, new CachedHashReader(size, store, cache));
    const cold = store.tilesRead - before;
    assert.ok(cold >= 1);
    const s0 = cache.stats();
    await proveInclusion(42, size, new CachedHashReader(size, store, cache)); // every tile now among the 5 most recent
    assert.equal(store.tilesRead - before, cold, 'a warm proof read a tile again');
    assert.ok(cache.stats().hits > s0.hits);
    assert.equal(cache.stats().misses, s0.misses);
    const none = new TileLevelCache(0);
    await proveInclusion(42, size, new CachedHashReader(size, store, none));
    assert.equal(none.stats().tiles, 0);
  });

  it('serves each tree size its own partial tiles while the log grows (no tile of another size)', async () => {
    const store = new MemoryTileStore();
    const leaves = makeLeaves(0, 20_000, 'grow');
    const cache = new TileLevelCache();
    const sizes: number[] = [];
    // Grow by odd steps so that partial tiles at level 0 widen and become full, and at level 1 widen.
    for (let size = 0, step = 1; size < 20_000; step = (step * 3 + 17) % 2_500 + 1) {
      const next = Math.min(20_000, size + step);
      await store.append(leaves.slice(size, next));
      size = next;
      sizes.push(size);
      // Every size seen so far, newest and oldest first: a cached wider tile must not serve
      // an older tree, nor a cached narrower one a newer tree.
      for (const s of [size, sizes[0]!, sizes[Math.floor(sizes.length / 2)]!]) {
        const root = naiveRoot(leaves.slice(0, s));
        for (const index of [0, s - 1, Math.floor(s / 2), Math.max(0, s - 257)]) {
          verifyInclusion(leaves[index]!, index, s, await proveInclusion(index, s, new CachedHashReader(s, store, cache)), root);
        }
        const old = sizes[Math.max(0, sizes.indexOf(s) - 1)]!;
        verifyConsistency(old, s, await proveConsistency(old, s, new CachedHashReader(s, store, cache)), naiveRoot(leaves.slice(0, old)), root);
      }
    }
    assert.ok(sizes.length > 10);
  });
});
