// A checkpoint signed a moment ago is provable at once, on every database: LogReader remembers
// the latest checkpoint for a short while (issue 13) but MUST NOT refuse a larger size that was
// signed meanwhile. The witnesses ask for the consistency proof to a new checkpoint right after
// it is signed; refusing it (INDEX_OUT_OF_RANGE) left that checkpoint uncosigned until a retry,
// so /v1/log/checkpoint kept serving the older one (signing-key-rotation.test.ts was flaky).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Integrator } from '../../src/audit/integrator.js';
import { LogReader } from '../../src/audit/log-reader.js';
import type { AuditTables } from '../../src/audit/tables.js';
import type { Store } from '../../src/store/store.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIdentity, testIntegrator } from './support/log-fixture.js';

for (const backend of DATABASES) {
  describe(`LogReader right after a new checkpoint (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let db: Kysely<AuditTables>;
    let reader: LogReader;
    let integrator: Integrator;

    before(async () => {
      ({ store, cleanup } = await backend.open());
      db = store.db as unknown as Kysely<AuditTables>;
      reader = new LogReader(db);
      // PostgreSQL: the reader reads the latest (committed) checkpoint on its own connection
      // inside the batch, just before the commit of the next one: the remembered checkpoint is
      // always fresh when the new size is asked for. PGlite has one connection: read before.
      integrator = testIntegrator(store, await testIdentity(), backend.name === 'postgres'
        ? { beforeCommit: async (b) => { if (b.fromSize === 10) assert.equal((await reader.latest()).size, 10); } }
        : {});
    });
    after(async () => {
      await cleanup();
    });

    it('proves consistency and inclusion to a size signed after the remembered checkpoint', async () => {
      await appendRecordsBulk(db, 0, 10);
      await integrator.drain();
      assert.equal((await reader.consistencyProof(0)).to, 10); // remembers the checkpoint of 10
      await appendRecordsBulk(db, 10, 10);
      if (backend.name === 'pglite') {
        assert.equal((await reader.latest()).size, 10);
      }
      await integrator.drain(); // signs 20
      const p = await reader.consistencyProof(10, 20);
      assert.deepEqual([p.from, p.to], [10, 20]);
      assert.equal((await reader.inclusionProof(15, 20)).size, 20);
      assert.equal((await reader.consistencyProof(10)).to, 20); // the default bound follows too
    });
  });
}
