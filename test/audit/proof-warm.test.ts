// Warming the proof tile cache (issue 13 item 3, src/audit/tile-warmer.ts): from the first
// proof, the full tiles of the signed tree are loaded in the background, newest first and within
// the cache's bound; a partial tile is never cached as full; a tile completed later is added; and
// every proof served from warmed tiles verifies against its signed checkpoint, at the new size
// and at the old one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Integrator } from '../../src/audit/integrator.js';
import { LogReader } from '../../src/audit/log-reader.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { DEFAULT_PROOF_CACHE_TILES, TileLevelCache, tileKey } from '../../src/audit/tile-level-cache.js';
import { newFullTiles, warmLimit } from '../../src/audit/tile-warmer.js';
import { verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import type { Store } from '../../src/store/store.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIdentity, testIntegrator } from './support/log-fixture.js';

const full = (level: number, index: number) => tileKey({ level, index, width: 256 });

describe('the full tiles to warm', () => {
  it('may fill every tile of a 1M-entry log in the default cache, leaving a reserve', () => {
    assert.equal(warmLimit(0), 0);
    assert.equal(warmLimit(4), 3);
    assert.equal(warmLimit(64), 56);
    assert.equal(warmLimit(DEFAULT_PROOF_CACHE_TILES), DEFAULT_PROOF_CACHE_TILES - 64);
    const oneMillion = newFullTiles(0, 1_000_000, Infinity).length + 4; // + the partial tiles
    assert.ok(warmLimit(DEFAULT_PROOF_CACHE_TILES) >= oneMillion, `${oneMillion} tiles`);
  });

  it('are the upper levels first, then level 0 newest first, only those completed since, at most the limit', () => {
    assert.deepEqual(newFullTiles(0, 256 * 256 * 2 + 300, 5), [{ level: 1, index: 1 }, { level: 1, index: 0 }, { level: 0, index: 512 }, { level: 0, index: 511 }, { level: 0, index: 510 }]);
    assert.deepEqual(newFullTiles(1000, 1100, 10), [{ level: 0, index: 3 }]);
    assert.deepEqual(newFullTiles(1000, 1020, 10), []);
    assert.deepEqual(newFullTiles(0, 255, 10), []);
    assert.deepEqual(newFullTiles(0, 1000, 0), []);
  });
});

for (const backend of DATABASES) {
  describe(`a warmed proof reader on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let db: Kysely<AuditTables>;
    let integrator: Integrator;
    before(async () => {
      ({ store, cleanup } = await backend.open());
      db = store.db as unknown as Kysely<AuditTables>;
      integrator = testIntegrator(store, await testIdentity());
    });
    after(async () => cleanup());

    it('warms full tiles only, adds the ones completed later, and its proofs verify', async () => {
      const cache = new TileLevelCache(64);
      const reader = new LogReader(db, cache, { warm: true });
      await appendRecordsBulk(db, 0, 1000, 'warm');
      await integrator.drain();
      const cp1000 = await reader.latest();
      const p = await reader.inclusionProof(5);
      await reader.warmed();
      for (const k of [0, 1, 2]) assert.ok(cache.has(full(0, k)), `full tile 0/${k} not warmed`);
      // By the end of the warm-up every warmed tile has its levels: no proof hashes them.
      for (const k of [0, 1, 2]) assert.equal(cache.settle(full(0, k)), false, `tile 0/${k} still raw after the warm-up`);
      assert.equal(cache.has(full(0, 3)), false, 'the partial tile 0/3 was cached as full');
      verifyInclusion(p.leafHash, 5, 1000, p.proof, cp1000.rootHash);
      const misses = cache.stats().misses;
      const q = await reader.inclusionProof(600); // a warmed tile; the right edge is cached already
      assert.equal(cache.stats().misses, misses, 'a proof from warmed tiles read the database');
      verifyInclusion(q.leafHash, 600, 1000, q.proof, cp1000.rootHash);

      await appendRecordsBulk(db, 1000, 100, 'warm');
      await integrator.drain();
      const cp1100 = await reader.latest();
      const r = await reader.inclusionProof(900); // tile 0/3 is full now
      await reader.warmed();
      assert.ok(cache.has(full(0, 3)));
      verifyInclusion(r.leafHash, 900, 1100, r.proof, cp1100.rootHash);
      const old = await reader.inclusionProof(900, 1000); // the old tree: tile 0/3 at width 232
      verifyInclusion(old.leafHash, 900, 1000, old.proof, cp1000.rootHash);
    });

    it('stays within the cache bound, keeping the newest tiles', async () => {
      await appendRecordsBulk(db, 1100, 900, 'warm'); // 2000 entries: leaf tiles 0–6 full
      await integrator.drain();
      const cache = new TileLevelCache(4);
      const reader = new LogReader(db, cache, { warm: true });
      const cp = await reader.latest();
      const p = await reader.inclusionProof(1999);
      await reader.warmed();
      assert.ok(cache.stats().tiles <= 4, `${cache.stats().tiles} tiles`);
      // Warmed: the newest 3 (all but one of 4); the proof's own 2 tiles then evict at most one of them.
      assert.ok([4, 5, 6].filter((k) => cache.has(full(0, k))).length >= 2);
      assert.ok([0, 1, 2, 3].every((k) => !cache.has(full(0, k))), 'an older tile was warmed beyond the bound');
      verifyInclusion(p.leafHash, 1999, 2000, p.proof, cp.rootHash);
      const none = new LogReader(db, new TileLevelCache(0), { warm: true });
      await none.inclusionProof(3);
      await none.warmed();
      assert.equal(none.cacheStats().tiles, 0);
    });
  });
}
