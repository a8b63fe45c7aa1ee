// RFC 6962 §2.1 hashing and the reference roots of ../shared/vectors/rfc6962/roots.json
// (tree sizes 0..8), computed three ways: integrate, treeHash over tiles, and the oracle.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { emptyRoot, hashesEqual, leafHash, nodeHash } from '../../src/shared/tlog/hash.js';
import { integrate } from '../../src/shared/tlog/integrate.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import { treeHash } from '../../src/shared/tlog/tree-hash.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import { naiveLeafHash, naiveNodeHash, naiveRoot } from './support/naive-tree.js';
import { hex, readJson, toHex, VECTORS_DIR, type Roots } from './support/tree-vectors.js';

const roots = readJson<Roots>(path.join(VECTORS_DIR, 'rfc6962', 'roots.json'));
const leafInputs = roots.leafInputsHex.map(hex);

describe('RFC 6962 hashing', () => {
  it('hashes leaves and nodes with domain separation', () => {
    for (const data of leafInputs) assert.deepEqual(leafHash(data), naiveLeafHash(data));
    const [a, b] = [leafHash(leafInputs[1]!), leafHash(leafInputs[2]!)];
    assert.deepEqual(nodeHash(a, b), naiveNodeHash(a, b));
    assert.notDeepEqual(nodeHash(a, b), nodeHash(b, a));
    // A leaf can never collide with a node over the same bytes.
    assert.notDeepEqual(leafHash(new Uint8Array([...a, ...b])), nodeHash(a, b));
  });

  it('has SHA-256("") as the empty root, and hands out copies', () => {
    assert.equal(toHex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const r = emptyRoot();
    r[0] = 0;
    assert.equal(toHex(emptyRoot()).slice(0, 2), 'e3');
  });

  it('compares hashes by value', () => {
    assert.equal(hashesEqual(leafHash(leafInputs[0]!), leafHash(leafInputs[0]!)), true);
    assert.equal(hashesEqual(leafHash(leafInputs[0]!), leafHash(leafInputs[1]!)), false);
    assert.equal(hashesEqual(new Uint8Array(32), new Uint8Array(31)), false);
  });
});

describe('reference roots (roots.json)', () => {
  it('integrate reproduces the root of every size 0..8', async () => {
    assert.equal(roots.rootsBySizeHex.length, 9);
    for (let size = 0; size <= 8; size++) {
      const leaves = leafInputs.slice(0, size).map(leafHash);
      const { root, newSize } = await integrate(0, leaves, new MemoryTileStore());
      assert.equal(newSize, size);
      assert.equal(toHex(root), roots.rootsBySizeHex[size], `size ${size}`);
      assert.equal(toHex(naiveRoot(leaves)), roots.rootsBySizeHex[size], `oracle, size ${size}`);
    }
  });

  it('treeHash over the tiles of the 8-leaf tree reproduces every smaller root', async () => {
    const store = new MemoryTileStore();
    const { root } = await store.append(leafInputs.map(leafHash));
    const reader = new TileHashReader({ size: 8, rootHash: root }, store);
    for (let size = 0; size <= 8; size++) {
      assert.equal(toHex(await treeHash(size, reader)), roots.rootsBySizeHex[size], `size ${size}`);
    }
  });

  it('integrating one leaf at a time gives the same roots', async () => {
    const store = new MemoryTileStore();
    for (let size = 1; size <= 8; size++) {
      const { root } = await store.append([leafHash(leafInputs[size - 1]!)]);
      assert.equal(toHex(root), roots.rootsBySizeHex[size], `size ${size}`);
    }
  });
});
