// The stored-hash numbering (golang.org/x/mod/sumdb/tlog) and tile coordinates: checked
// against the write order it describes, at small sizes exhaustively and near 2^52 by
// property, where 32-bit bitwise arithmetic would silently break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKeyholeError } from '../../src/shared/errors.js';
import { splitStoredHashIndex, storedHashCount, storedHashIndex } from '../../src/shared/tlog/stored-hash-index.js';
import { partialTiles, tileAncestor, tileForStoredHash, tileWidthForSize } from '../../src/shared/tlog/tiles.js';
import { MAX_TREE_SIZE, trailingZeros } from '../../src/shared/tlog/tree-math.js';

const outOfRange = (e: unknown) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE');

describe('stored hash index', () => {
  it('numbers hashes in the order a log writes them (first 5,000 leaves)', () => {
    // Writing leaf n stores (0, n), then the root of every subtree that leaf completes.
    let next = 0;
    for (let n = 0; n < 5000; n++) {
      const written: Array<[number, number]> = [[0, n]];
      for (let level = 1; level <= trailingZeros(n + 1); level++) written.push([level, (n + 1) / 2 ** level - 1]);
      for (const [level, m] of written) {
        assert.equal(storedHashIndex(level, m), next, `(${level}, ${m})`);
        assert.deepEqual(splitStoredHashIndex(next), [level, m]);
        next++;
      }
      assert.equal(storedHashCount(n + 1), next, `count of ${n + 1}`);
    }
    assert.equal(storedHashCount(0), 0);
  });

  it('round-trips near 2^52, beyond 32-bit arithmetic (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), fc.double({ min: 0, max: 1, noNaN: true }), (level, f) => {
        const count = MAX_TREE_SIZE / 2 ** level; // nodes at this level
        const n = Math.min(count - 1, Math.floor(f * count));
        const index = storedHashIndex(level, n);
        assert.ok(Number.isSafeInteger(index));
        assert.deepEqual(splitStoredHashIndex(index), [level, n]);
      }),
      { numRuns: 1000 },
    );
    assert.equal(storedHashIndex(0, 2 ** 40), 2 * 2 ** 40 - 1);
    assert.equal(storedHashCount(MAX_TREE_SIZE), 2 * MAX_TREE_SIZE - 1);
  });

  it('rejects indexes outside a 2^52-leaf tree', () => {
    assert.throws(() => storedHashIndex(0, MAX_TREE_SIZE), outOfRange);
    assert.throws(() => storedHashIndex(53, 0), outOfRange);
    assert.throws(() => storedHashIndex(-1, 0), outOfRange);
    assert.throws(() => storedHashIndex(0, 0.5), outOfRange);
    assert.throws(() => splitStoredHashIndex(2 * MAX_TREE_SIZE - 1), outOfRange);
    assert.throws(() => splitStoredHashIndex(-1), outOfRange);
    assert.throws(() => storedHashCount(MAX_TREE_SIZE + 1), outOfRange);
  });
});

describe('tile coordinates', () => {
  it('finds the tile and range of a stored hash', () => {
    assert.deepEqual(tileForStoredHash(storedHashIndex(0, 5)), { tile: { level: 0, index: 0, width: 6 }, start: 5, end: 6 });
    assert.deepEqual(tileForStoredHash(storedHashIndex(3, 33)), { tile: { level: 0, index: 1, width: 16 }, start: 8, end: 16 });
    assert.deepEqual(tileForStoredHash(storedHashIndex(8, 0)), { tile: { level: 1, index: 0, width: 1 }, start: 0, end: 1 });
    assert.deepEqual(tileForStoredHash(storedHashIndex(17, 2 ** 30)), {
      tile: { level: 2, index: 2 ** 23, width: 2 }, start: 0, end: 2,
    });
  });

  it('gives the widths and partial tiles of a tree size', () => {
    assert.deepEqual(partialTiles(70_000), [
      { level: 0, index: 273, width: 112 }, { level: 1, index: 1, width: 17 }, { level: 2, index: 0, width: 1 },
    ]);
    assert.deepEqual(partialTiles(256), [{ level: 1, index: 0, width: 1 }]);
    assert.deepEqual(partialTiles(0), []);
    assert.equal(tileWidthForSize(0, 272, 70_000), 256);
    assert.equal(tileWidthForSize(0, 274, 70_000), 0);
    assert.equal(tileWidthForSize(1, 0, 70_000), 256);
    assert.deepEqual(tileAncestor({ level: 0, index: 300, width: 256 }, 1, 70_000), { level: 1, index: 1, width: 17 });
    assert.equal(tileAncestor({ level: 0, index: 300, width: 256 }, 0, 70_000), undefined);
    assert.deepEqual(partialTiles(2 ** 52 - 1).map((t) => t.width), [255, 255, 255, 255, 255, 255, 15]);
  });
});
