// Security properties of proofs over random trees up to 10,000 leaves, each built once via
// integrate into an in-memory tile store and read back through TileHashReader: every
// inclusion and consistency proof verifies, equals the RFC 6962 oracle's, and flipping any
// single bit of a proof hash, a root or the leaf hash makes verification fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidConsistency, isValidInclusion, verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { proveConsistency, proveInclusion } from '../../src/shared/tlog/proofs.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import { treeHash } from '../../src/shared/tlog/tree-hash.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import { makeLeaves, naiveConsistency, naivePath, naiveRoot } from './support/naive-tree.js';

const MAX_SIZE = 10_000;

/** A copy of `hashes` with bit `bit` (0..255) of element `i` flipped. */
function flip(hashes: readonly Uint8Array[], i: number, bit: number): Uint8Array[] {
  return hashes.map((h, j) => (j === i ? flipBit(h, bit) : h));
}

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const copy = h.slice();
  copy[Math.floor(bit / 8)] = copy[Math.floor(bit / 8)]! ^ (1 << bit % 8);
  return copy;
}

/** A tree of `size` leaves built in up to three batches; its store, leaves and root. */
async function buildTree(size: number, cuts: readonly number[]) {
  const store = new MemoryTileStore();
  const leaves = makeLeaves(0, size);
  const bounds = [...cuts.map((c) => Math.floor(c * size)).sort((a, b) => a - b), size];
  let root: Uint8Array = new Uint8Array();
  for (const end of bounds) ({ root } = await store.append(leaves.slice(store.size, end)));
  return { store, leaves, root };
}

const scenario = fc.integer({ min: 1, max: MAX_SIZE }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
    index: fc.nat(size - 1),
    size1: fc.integer({ min: 1, max: size }),
    pick: fc.nat(),
    bit: fc.integer({ min: 0, max: 255 }),
  }),
);

describe('proof properties (fast-check)', () => {
  it('inclusion proofs verify and any single bit flip breaks them', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ size, cuts, index, pick, bit }) => {
        const { store, leaves, root } = await buildTree(size, cuts);
        const reader = new TileHashReader({ size, rootHash: root }, store);
        const leaf = leaves[index]!;
        const proof = await proveInclusion(index, size, reader);
        assert.deepEqual(proof, naivePath(index, leaves));
        verifyInclusion(leaf, index, size, proof, root);
        if (proof.length > 0) assert.equal(isValidInclusion(leaf, index, size, flip(proof, pick % proof.length, bit), root), false);
        assert.equal(isValidInclusion(leaf, index, size, proof, flipBit(root, bit)), false);
        assert.equal(isValidInclusion(flipBit(leaf, bit), index, size, proof, root), false);
        assert.equal(isValidInclusion(leaf, index, size, [...proof, root], root), false);
        if (proof.length > 0) assert.equal(isValidInclusion(leaf, index, size, proof.slice(1), root), false);
      }),
      { numRuns: 60 },
    );
  });

  it('consistency proofs verify and any single bit flip breaks them', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ size, cuts, size1, pick, bit }) => {
        const { store, leaves, root } = await buildTree(size, cuts);
        const reader = new TileHashReader({ size, rootHash: root }, store);
        const root1 = await treeHash(size1, reader);
        assert.deepEqual(root1, naiveRoot(leaves, 0, size1));
        const proof = await proveConsistency(size1, size, reader);
        assert.deepEqual(proof, size1 === size ? [] : naiveConsistency(size1, leaves));
        verifyConsistency(size1, size, proof, root1, root);
        if (proof.length > 0) assert.equal(isValidConsistency(size1, size, flip(proof, pick % proof.length, bit), root1, root), false);
        assert.equal(isValidConsistency(size1, size, proof, flipBit(root1, bit), root), false);
        assert.equal(isValidConsistency(size1, size, proof, root1, flipBit(root, bit)), false);
        if (size1 < size) assert.equal(isValidConsistency(size1, size, proof.slice(0, -1), root1, root), false);
      }),
      { numRuns: 60 },
    );
  });

  it('an older tree read from the newer (wider) tiles proves inclusion against its own root', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ size, cuts, size1, pick }) => {
        const { store, leaves } = await buildTree(size, cuts);
        const root1 = naiveRoot(leaves, 0, size1);
        const old = new TileHashReader({ size: size1, rootHash: root1 }, store);
        assert.deepEqual(await treeHash(size1, old), root1);
        const index = pick % size1;
        verifyInclusion(leaves[index]!, index, size1, await proveInclusion(index, size1, old), root1);
      }),
      { numRuns: 40 },
    );
  });
});
