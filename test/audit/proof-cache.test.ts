// The proof tile cache (issue 13 item 3, src/audit/cached-hash-reader.ts): bounded by its
// size setting (KEYHOLE_PROOF_CACHE_TILES), counting hits and misses, and never serving a
// tile of another tree size: a partial tile cached for one size is not used for a larger tree
// (where it is wider or full), nor a wider one for a smaller tree, while the store grows
// between proofs. Pure: in-memory tiles, checked against the naive RFC 9162 tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CachedHashReader, DEFAULT_PROOF_CACHE_TILES, proofTileCacheFromEnv, TileHashes, TileLevelCache } from '../../src/audit/cached-hash-reader.js';
import { STORED_FROM_LEVEL } from '../../src/audit/tile-level-cache.js';
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

  it('keeps a tile sparse and answers every group of every level as the naive tree does (fast-check)', () => {
    const leaves = makeLeaves(0, 256, 'sparse');
    fc.assert(fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 8 }), fc.nat(), (width, level, pick) => {
      const tile = TileHashes.fromStored(Buffer.concat(leaves.slice(0, width)));
      const groups = Math.floor(width / 2 ** level);
      if (groups === 0) {
        assert.throws(() => tile.hash(level, 0), RangeError);
        return;
      }
      const at = pick % groups;
      const want = naiveRoot(leaves.slice(at * 2 ** level, (at + 1) * 2 ** level));
      assert.equal(Buffer.from(tile.hash(level, at)).toString('hex'), Buffer.from(want).toString('hex'), `width ${width} level ${level} group ${at}`);
      assert.throws(() => tile.hash(level, groups), RangeError);
    }), { numRuns: 400 });
    // A full tile stores level 0 and the levels from STORED_FROM_LEVEL up, not the ones between.
    const full = TileHashes.fromStored(Buffer.concat(leaves));
    let upper = 0;
    for (let k = STORED_FROM_LEVEL; k <= 8; k++) upper += 256 >> k;
    assert.equal(full.bytes, (256 + upper) * 32);
    assert.ok(full.bytes <= 12_256, `${full.bytes} bytes for a full tile`);
    // A copy: changing an answer changes nothing cached.
    const h = full.hash(2, 5);
    h.fill(0);
    assert.notEqual(Buffer.from(full.hash(2, 5)).toString('hex'), Buffer.from(h).toString('hex'));
    for (const bad of [new Uint8Array(0), new Uint8Array(33), new Uint8Array(257 * 32)]) assert.throws(() => TileHashes.fromStored(bad), RangeError);
  });

  it('settles a tile put in raw into its hashes in place, without counting a use', () => {
    const leaves = makeLeaves(0, 256);
    const raw = Buffer.concat(leaves);
    const cache = new TileLevelCache(4);
    cache.set('0/0', raw);
    cache.set('0/1', TileHashes.fromStored(raw));
    assert.equal(cache.settle('0/1'), false, 'a tile with hashes was settled again');
    assert.equal(cache.settle('0/9'), false, 'a tile not cached was settled');
    assert.equal(cache.settle('0/0'), true);
    assert.equal(cache.settle('0/0'), false);
    assert.deepEqual(cache.stats(), { tiles: 2, maxTiles: 4, hits: 0, misses: 0 });
    const hashes = cache.get('0/0')!;
    assert.ok(hashes instanceof TileHashes);
    assert.equal(Buffer.from(hashes.hash(8, 0)).toString('hex'), Buffer.from(naiveRoot(leaves)).toString('hex'));
    assert.equal(Buffer.from(hashes.hash(1, 3)).toString('hex'), Buffer.from(naiveRoot(leaves.slice(6, 8))).toString('hex'));
  });

  it('evicts by second chance: a tile used since the last eviction outlives an older unused one', () => {
    const tile = TileHashes.fromStored(Buffer.concat(makeLeaves(0, 4)));
    const cache = new TileLevelCache(3);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, tile); // d sweeps every bit and evicts a, the oldest
    assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => cache.has(k)), [false, true, true, true]);
    assert.equal(cache.get('b'), tile);
    cache.set('e', tile);
    assert.deepEqual(['b', 'c', 'd', 'e'].map((k) => cache.has(k)), [true, false, true, true], 'the used tile b was evicted, or the unused c kept');
    assert.equal(cache.stats().tiles, 3);
    cache.set('d', tile); // setting a cached key replaces it: nothing is evicted
    assert.equal(cache.stats().tiles, 3);
    assert.ok(cache.has('b') && cache.has('e'));
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
