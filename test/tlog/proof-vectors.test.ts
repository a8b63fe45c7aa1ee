// Every inclusion and consistency probe of ../shared/vectors/rfc6962 (transparency-dev/merkle
// testdata, RFC 6962 / 9162): each MUST verify when wantErr is false and MUST fail with
// PROOF_INVALID when it is true. The happy paths are also what our prover produces.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import { leafHash } from '../../src/shared/tlog/hash.js';
import { isValidConsistency, isValidInclusion, verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { proveConsistency, proveInclusion } from '../../src/shared/tlog/proofs.js';
import { TileHashReader } from '../../src/shared/tlog/tile-hash-reader.js';
import { MemoryTileStore } from './support/memory-tile-store.js';
import {
  b64, hex, readJson, vectorFiles, VECTORS_DIR, type ConsistencyProbe, type InclusionProbe, type Roots,
} from './support/tree-vectors.js';

const isProofInvalid = (e: unknown) => isKeyholeError(e, 'PROOF_INVALID');
const name = (file: string) => path.relative(path.join(VECTORS_DIR, 'rfc6962'), file);

async function referenceTree(): Promise<TileHashReader> {
  const roots = readJson<Roots>(path.join(VECTORS_DIR, 'rfc6962', 'roots.json'));
  const store = new MemoryTileStore();
  const { root } = await store.append(roots.leafInputsHex.map((h) => leafHash(hex(h))));
  return new TileHashReader({ size: 8, rootHash: root }, store);
}

describe('inclusion probes', () => {
  const files = vectorFiles('inclusion');
  it('finds the probe files', () => assert.ok(files.length >= 70, `only ${files.length} files`));

  for (const file of files) {
    const v = readJson<InclusionProbe>(file);
    it(`${name(file)}: ${v.desc} → ${v.wantErr ? 'fails' : 'verifies'}`, () => {
      const args = [b64(v.leafHash), v.leafIdx, v.treeSize, (v.proof ?? []).map(b64), b64(v.root)] as const;
      assert.equal(isValidInclusion(...args), !v.wantErr);
      if (v.wantErr) assert.throws(() => verifyInclusion(...args), isProofInvalid);
      else verifyInclusion(...args);
    });
  }

  it('our prover produces every happy-path proof of the 8-leaf reference tree', async () => {
    const reader = await referenceTree();
    let checked = 0;
    for (const file of files.filter((f) => f.endsWith('happy-path.json'))) {
      const v = readJson<InclusionProbe>(file);
      if (v.treeSize > 8) continue;
      const proof = await proveInclusion(v.leafIdx, v.treeSize, reader);
      assert.deepEqual(proof, (v.proof ?? []).map(b64), name(file));
      checked++;
    }
    assert.ok(checked >= 3);
  });
});

describe('consistency probes', () => {
  const files = vectorFiles('consistency');
  it('finds the probe files', () => assert.ok(files.length >= 80, `only ${files.length} files`));

  for (const file of files) {
    const v = readJson<ConsistencyProbe>(file);
    it(`${name(file)}: ${v.desc} → ${v.wantErr ? 'fails' : 'verifies'}`, () => {
      const args = [v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2)] as const;
      assert.equal(isValidConsistency(...args), !v.wantErr);
      if (v.wantErr) assert.throws(() => verifyConsistency(...args), isProofInvalid);
      else verifyConsistency(...args);
    });
  }

  it('our prover produces every happy-path proof of the 8-leaf reference tree', async () => {
    const reader = await referenceTree();
    for (const file of files.filter((f) => f.endsWith('happy-path.json'))) {
      const v = readJson<ConsistencyProbe>(file);
      const proof = await proveConsistency(v.size1, v.size2, reader);
      assert.deepEqual(proof, (v.proof ?? []).map(b64), name(file));
    }
  });
});
