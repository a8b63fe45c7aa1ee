// Issue 18 §5: the log refuses to sign behind the newest checkpoint it published, which it keeps
// outside its database. A database restored to an older point (here: rolled back with superuser
// rights, then "restarted" — a new integrator reading the published file) cannot sign at a
// smaller size, a different root at the published size, or a longer tree that does not extend
// the published one; re-integrating the very same records is fine; an operator override naming
// the published size lets it sign once, and the override is an entry in the checkpoint it allows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { latestCheckpoint } from '../../src/audit/checkpoint-store.js';
import { PublishedHead } from '../../src/audit/published-head.js';
import { FixedClock } from '../../src/shared/clock.js';
import { openCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIntegrator } from './support/log-fixture.js';
import { saveTiles, tempDir, truncateTo, witnessedRuntime } from './support/witness-fixture.js';

for (const backend of DATABASES) {
  describe(`sign-behind rule: restore to an older point (${backend.name})`, () => {
    const tmp = tempDir();
    const file = path.join(tmp.dir, 'published-checkpoint');
    let ctx: Awaited<ReturnType<typeof witnessedRuntime>>;
    before(async () => { ctx = await witnessedRuntime(backend, { KEYHOLE_PUBLISHED_CHECKPOINT_FILE: file }); });
    after(async () => { await ctx.cleanup(); tmp.remove(); });

    it('refuses to sign behind or beside the published checkpoint unless overridden, and records the override', async () => {
      const { rt, db } = ctx;
      const id = rt.integrator.identity;
      const clock = new FixedClock();
      await appendRecordsBulk(db, 0, 20);
      await rt.integrator.drain();
      const tiles20 = await saveTiles(db);
      await appendRecordsBulk(db, 20, 10);
      await rt.integrator.drain();
      const published = openCheckpoint(readFileSync(file, 'utf8'), id.verifier, id.origin).checkpoint;
      assert.equal(published.size, 30);

      // Restore to 20 and restart: the same records again are the same tree — allowed.
      await truncateTo(db, 20, tiles20);
      await appendRecordsBulk(db, 20, 10);
      await testIntegrator(rt.store, id, { signGate: new PublishedHead({ file, identity: id, clock }) }).drain();
      assert.equal((await latestCheckpoint(db))!.size, 30);

      // Restore to 20 again; new, different records: below 30, then past it — refused.
      await truncateTo(db, 20, tiles20);
      await appendRecordsBulk(db, 500, 5, 'after-restore');
      const restarted = () => testIntegrator(rt.store, id, { signGate: new PublishedHead({ file, identity: id, clock }) });
      await assert.rejects(restarted().drain(), { code: 'LOG_BEHIND_PUBLISHED' });
      await appendRecordsBulk(db, 505, 10, 'after-restore');
      await assert.rejects(restarted().drain(), { code: 'LOG_BEHIND_PUBLISHED' });
      assert.equal((await latestCheckpoint(db))!.size, 20);
      const pending = await db.selectFrom('audit_pending').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(pending.n), 15, 'nothing acknowledged is lost: the records wait');

      // An override naming another size does nothing; naming 30 signs once and is on the log.
      const wrong = testIntegrator(rt.store, id, { signGate: new PublishedHead({ file, identity: id, clock, overrideSize: 20 }) });
      await assert.rejects(wrong.drain(), { code: 'LOG_BEHIND_PUBLISHED' });
      await testIntegrator(rt.store, id, { signGate: new PublishedHead({ file, identity: id, clock, overrideSize: 30 }) }).drain();
      const after = (await latestCheckpoint(db))!;
      assert.equal(after.size, 36);
      const last = await db.selectFrom('audit_log').select(['entry', 'action']).where('seq', '=', 35).executeTakeFirstOrThrow();
      assert.equal(last.action, 'log_override');
      const record = JSON.parse(last.entry) as { details: { publishedSize: number; signedSize: number }; reason: string };
      assert.equal(record.details.publishedSize, 30);
      assert.equal(record.details.signedSize, 36);
      assert.match(record.reason, /KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT=30/);
      assert.equal(openCheckpoint(readFileSync(file, 'utf8'), id.verifier, id.origin).checkpoint.size, 36);

      // The override left in the configuration does not allow the next rollback.
      await truncateTo(db, 20, tiles20);
      await appendRecordsBulk(db, 900, 3, 'again');
      await assert.rejects(testIntegrator(rt.store, id, { signGate: new PublishedHead({ file, identity: id, clock, overrideSize: 30 }) }).drain(), { code: 'LOG_BEHIND_PUBLISHED' });
    });

    it('fails closed on a published file that is not a checkpoint of this log', async () => {
      const { writeFileSync } = await import('node:fs');
      const bad = path.join(tmp.dir, 'bad');
      writeFileSync(bad, 'not a checkpoint\n');
      const gate = new PublishedHead({ file: bad, identity: ctx.rt.integrator.identity, clock: new FixedClock() });
      await assert.rejects(gate.check(1, new Uint8Array(32), async () => []), { code: 'LOG_BEHIND_PUBLISHED' });
    });
  });
}
