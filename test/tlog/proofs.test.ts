// Inclusion and consistency proofs from stored hashes: equal to RFC 6962's PATH and PROOF for
// every index and size pair of small trees, one read of O(log n) hashes each, and
// INDEX_OUT_OF_RANGE for impossible requests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import type { HashReader } from '../../src/shared/tlog/hash-reader.js';
import { verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { proveConsistency, proveInclusion } from '../../src/shared/tlog/proofs.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import { treeHash } from '../../src/shared/tlog/tree-hash.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import { makeLeaves, naiveConsistency, naivePath, naiveRoot } from './support/naive-tree.js';

/** Wraps a reader, recording the size of every readHashes call. */
class CountingReader implements HashReader {
  readonly calls: number[] = [];
  constructor(readonly inner: HashReader) {}
  readHashes(indexes: readonly number[]) {
    this.calls.push(indexes.length);
    return this.inner.readHashes(indexes);
  }
}

async function tree(size: number) {
  const store = new MemoryTileStore();
  const leaves = makeLeaves(0, size);
  const { root } = await store.append(leaves);
  return { leaves, root, reader: new TileHashReader({ size, rootHash: root }, store) };
}

describe('proofs', () => {
  it('equal RFC 6962 PATH and PROOF for every index and size pair up to 40 leaves', async () => {
    const { leaves, reader } = await tree(40);
    for (let size = 1; size <= 40; size++) {
      const root = naiveRoot(leaves, 0, size);
      assert.deepEqual(await treeHash(size, reader), root);
      for (let i = 0; i < size; i++) {
        const proof = await proveInclusion(i, size, reader);
        assert.deepEqual(proof, naivePath(i, leaves.slice(0, size)), `PATH(${i}, ${size})`);
        verifyInclusion(leaves[i]!, i, size, proof, root);
      }
      for (let size1 = 0; size1 <= size; size1++) {
        const proof = await proveConsistency(size1, size, reader);
        const want = size1 === 0 || size1 === size ? [] : naiveConsistency(size1, leaves.slice(0, size));
        assert.deepEqual(proof, want, `PROOF(${size1}, ${size})`);
        verifyConsistency(size1, size, proof, naiveRoot(leaves, 0, size1), root);
      }
    }
  });

  it('read once, O(log n) hashes', async () => {
    const size = 9_999;
    const { reader } = await tree(size);
    const counting = new CountingReader(reader);
    const log2 = Math.ceil(Math.log2(size));
    await treeHash(size, counting);
    await proveInclusion(4_321, size, counting);
    await proveConsistency(1_234, size, counting);
    assert.equal(counting.calls.length, 3);
    assert.ok(counting.calls[0]! <= 1 + log2);
    for (const n of counting.calls) assert.ok(n <= 2 * log2, `${n} hashes`);
  });

  it('refuses impossible requests with INDEX_OUT_OF_RANGE', async () => {
    const { reader } = await tree(10);
    const outOfRange = (e: unknown) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE');
    await assert.rejects(proveInclusion(10, 10, reader), outOfRange);
    await assert.rejects(proveInclusion(-1, 10, reader), outOfRange);
    await assert.rejects(proveInclusion(0, 0, reader), outOfRange);
    await assert.rejects(proveInclusion(0, 2 ** 53, reader), outOfRange);
    await assert.rejects(proveConsistency(11, 10, reader), outOfRange);
    await assert.rejects(proveConsistency(1.5, 10, reader), outOfRange);
    await assert.rejects(treeHash(-1, reader), outOfRange);
    await assert.rejects(treeHash(11, reader), outOfRange); // beyond the reader's tree
    assert.deepEqual(await proveConsistency(0, 0, reader), []);
  });
});
