// Checkpoint signing-key rotation with an overlap (issue 19), on every database: after
// `keys rotate --signing` every checkpoint carries both the old and the new key's signature
// (C2SP signed notes allow several) and /v1/log/vkey lists both; a witness that knows only the
// old key keeps cosigning during the overlap, and after the operator adds the new key it keeps
// cosigning once only the new key signs; a verifier trusting either key accepts the checkpoints
// of its period, one trusting both accepts the whole log; the old key is retired only after the
// overlap; both steps are records on the log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { checkLogAtStartup } from '../../src/audit/startup-check.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { verifyLog } from '../../src/audit/verify-log.js';
import { retireVersionedKey, rotateSigningKey } from '../../src/cli/signing-keys.js';
import type { Runtime } from '../../src/server/runtime.js';
import { createRuntime } from '../../src/server/runtime.js';
import { FixedClock } from '../../src/shared/clock.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { openCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { openNote } from '../../src/shared/tlog/note.js';
import { openWitnessedCheckpoint, witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import { formatAddCheckpoint } from '../../src/shared/tlog/witness-protocol.js';
import { parseVerifierKeys, type NoteVerifier } from '../../src/shared/tlog/vkey.js';
import { createPostgresDatabase, DATABASES } from '../support/databases.js';
import { appendRecordsBulk } from './support/log-fixture.js';
import { startWitness, type RunningWitness } from './support/witness-fixture.js';

const ORIGIN = 'test.keyhole.example/log';
const actor = { staffId: 'sec_007', name: 'sec_007' };
const quiet = async <T>(fn: () => Promise<T>): Promise<T> => {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await fn();
  } finally {
    console.log = log;
  }
};

for (const backend of DATABASES) {
  describe(`signing-key rotation with overlap (${backend.name})`, () => {
    const masterKey = randomBytes(32);
    const clock = new FixedClock(Date.now());
    const trusted: NoteVerifier[] = []; // what the witness knows of the log: mutable, read per request
    let w: RunningWitness;
    let rt: Runtime;
    let db: Kysely<AuditTables>;
    let drop: (() => Promise<void>) | undefined;
    let app: Awaited<ReturnType<typeof import('../../src/server/app.js').buildApp>>;

    before(async () => {
      w = await startWitness(new Map([[ORIGIN, trusted]]));
      const pg = backend.name === 'postgres' ? await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string) : undefined;
      drop = pg?.drop;
      rt = await createRuntime({
        databaseUrl: pg?.url, dataDir: ':memory:', integrate: false, detect: false, clock,
        env: { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_LOG_ORIGIN: ORIGIN, KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' },
      });
      db = rt.db as unknown as Kysely<AuditTables>;
      trusted.push(rt.integrator.identity.verifier);
      app = await (await import('../../src/server/app.js')).buildApp(rt, { logger: false });
    });
    after(async () => {
      await app?.close();
      await rt?.close();
      await drop?.();
      await w.close();
      rmSync(w.dir, { recursive: true, force: true });
    });

    async function grow(from: number, n: number): Promise<string> {
      await appendRecordsBulk(db, from, n);
      await rt.integrator.drain();
      await rt.witnessing!.idle();
      const served = await app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
      assert.equal(served.statusCode, 200);
      return served.body;
    }
    const logSignatures = (note: string, keys: readonly NoteVerifier[]) => openNote(note, keys).verifiedSignatures.filter((s) => s.name === ORIGIN).length;
    const vkeys = async () => (await app.inject({ method: 'GET', url: '/v1/log/vkey' })).body;

    it('signs with both keys during the overlap, then only with the new one; witnesses and verifiers follow', async () => {
      const v1 = rt.integrator.identity.verifier;
      const before = await grow(0, 10);
      assert.equal(logSignatures(before, [v1]), 1);
      assert.equal((await vkeys()).trim().split('\n').length, 1);

      await quiet(() => rotateSigningKey(rt, actor, 24));
      clock.advance(2000); // every instance re-reads the key versions within a second
      const during = await grow(10, 10);
      const listed = parseVerifierKeys(await vkeys());
      assert.equal(listed.length, 2, 'the overlap lists both keys');
      const v2 = listed[0]!;
      assert.equal(listed[1]!.keyHash, v1.keyHash);
      assert.notEqual(v2.keyHash, v1.keyHash);
      assert.equal(logSignatures(during, [v1, v2]), 2, 'both keys sign during the overlap');
      assert.equal(openCheckpoint(during, v1, ORIGIN).checkpoint.size, 21); // + the rotate record; a verifier with the old key
      assert.equal(openCheckpoint(during, v2, ORIGIN).checkpoint.size, 21); // one with the new key
      // the witness that knows only the old key cosigned it
      assert.equal(openWitnessedCheckpoint(during, [v1], ORIGIN, witnessPolicy([w.vkey], 1)).checkpoint.size, 21);
      // the old key cannot be retired before the overlap ends
      await assert.rejects(quiet(() => retireVersionedKey(rt, actor, 'checkpoint:1')), (e) => isKeyholeError(e, 'KEY_IN_USE'));

      // the operator gives the witness the new key; the overlap ends
      trusted.push(v2);
      clock.advance(25 * 3600_000);
      const afterOverlap = await grow(20, 10);
      assert.equal(logSignatures(afterOverlap, [v1, v2]), 1);
      assert.throws(() => openCheckpoint(afterOverlap, v1, ORIGIN), (e) => isKeyholeError(e, 'CHECKPOINT_INVALID'));
      assert.equal(openCheckpoint(afterOverlap, [v1, v2], ORIGIN).checkpoint.size, 31); // any key of the trusted list
      assert.equal(openWitnessedCheckpoint(afterOverlap, v2, ORIGIN, witnessPolicy([w.vkey], 1)).checkpoint.size, 31);
      assert.deepEqual(parseVerifierKeys(await vkeys()).map((k) => k.keyHash), [v2.keyHash]);
      // a witness never told the new key refuses the new checkpoints (403): why the CLI says to add it
      const stale = await startWitness(new Map([[ORIGIN, [v1]]]));
      try {
        const r = await stale.app.inject({ method: 'POST', url: '/add-checkpoint', payload: formatAddCheckpoint({ oldSize: 0, proof: [], note: afterOverlap }), headers: { 'content-type': 'text/plain' } });
        assert.equal(r.statusCode, 403);
      } finally {
        await stale.close();
        rmSync(stale.dir, { recursive: true, force: true });
      }

      // the whole log verifies against the trusted list (old checkpoints carry only the old key)
      assert.equal((await verifyLog(db, { verifier: rt.integrator.identity.verifiers, origin: ORIGIN })).ok, true);
      assert.equal((await verifyLog(db, { verifier: v2, origin: ORIGIN })).ok, false);
      assert.equal((await checkLogAtStartup(db, { verifier: rt.integrator.identity.verifiers, origin: ORIGIN })).ok, true);

      await quiet(() => retireVersionedKey(rt, actor, 'checkpoint:1'));
      await assert.rejects(quiet(() => retireVersionedKey(rt, actor, 'checkpoint:2')), (e) => isKeyholeError(e, 'KEY_IN_USE')); // current
      const later = await grow(30, 5);
      assert.equal(openCheckpoint(later, v2, ORIGIN).checkpoint.size, 37); // + the rotate and retire records
      assert.equal((await verifyLog(db, { verifier: rt.integrator.identity.verifiers, origin: ORIGIN })).ok, true);

      const records = (await sql<{ entry: string }>`select entry::text as entry from audit_log order by seq`.execute(db)).rows.map((r) => JSON.parse(r.entry))
        .filter((e) => String(e.action).startsWith('key_'));
      assert.deepEqual(records.map((r) => [r.action, r.details.keyId, r.details.fromVersion ?? r.details.version, r.agentId]), [
        ['key_rotate', 'checkpoint', 1, 'sec_007'], ['key_retire', 'checkpoint', 1, 'sec_007'],
      ]);
      assert.match(records[0].details.toVerifierKey, /^test\.keyhole\.example\/log\+[0-9a-f]{8}\+/);
    });
  });
}
