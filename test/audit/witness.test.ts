// The witness end to end: `keyhole witness`'s HTTP answers per c2sp.org/tlog-witness (400, 403,
// 404, 409 with text/x.tlog.size, 422, 200 with a verifiable cosignature, state that survives a
// restart), a Keyhole log that submits each checkpoint and serves the cosignatures with it, and
// the truncation of issue 10: a DBA rolls the log back to an older checkpoint, the log signs a
// different history, and the witness refuses it (and the log learns the witness's size).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openLogIdentity, type LogIdentity } from '../../src/audit/log-identity.js';
import { LogReader } from '../../src/audit/log-reader.js';
import { PublishedHead } from '../../src/audit/published-head.js';
import { originHash } from '../../src/audit/witness-store.js';
import { Witnessing } from '../../src/audit/witnessing.js';
import { FixedClock } from '../../src/shared/clock.js';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { parseCosignatureVerifierKey } from '../../src/shared/tlog/cosignature.js';
import { emptyRoot } from '../../src/shared/tlog/hash.js';
import { openWitnessedCheckpoint, witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import { formatAddCheckpoint } from '../../src/shared/tlog/witness-protocol.js';
import { signerFromSeed } from '../../src/shared/tlog/vkey.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIntegrator } from './support/log-fixture.js';
import { saveTiles, startWitness, truncateTo, witnessedRuntime, type RunningWitness } from './support/witness-fixture.js';

const ORIGIN = 'test.keyhole.example/log';

async function logIdentity(masterKey: Buffer): Promise<LogIdentity> {
  return openLogIdentity(new MasterKeyProvider(masterKey), ORIGIN);
}

describe('keyhole witness over HTTP (c2sp.org/tlog-witness)', () => {
  let id: LogIdentity;
  let w: RunningWitness;
  const post = (body: string) => w.app.inject({ method: 'POST', url: '/add-checkpoint', payload: body, headers: { 'content-type': 'text/plain' } });
  const note = (size: number, root: Uint8Array, signer = id.signer) => signCheckpoint({ origin: ORIGIN, size, rootHash: root }, [signer]);
  const root = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 7 + i) & 0xff);

  before(async () => {
    id = await logIdentity(randomBytes(32));
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
  });
  after(async () => {
    await w.close();
    rmSync(w.dir, { recursive: true, force: true });
  });

  it('answers 404 for an unknown origin, 403 without a trusted signature, 400 for a malformed body', async () => {
    const other = signCheckpoint({ origin: 'other.example/log', size: 0, rootHash: emptyRoot() }, [signerFromSeed('other.example/log', randomBytes(32))]);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: other }))).statusCode, 404);
    const forged = note(0, emptyRoot(), signerFromSeed(ORIGIN, randomBytes(32)));
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: forged }))).statusCode, 403);
    const good = note(0, emptyRoot());
    const tampered = good.replace(/ [A-Za-z0-9+/]{10}/, (m) => ` ${m[1] === 'A' ? 'B' : 'A'}${m.slice(2)}`);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: tampered }))).statusCode, 403);
    assert.equal((await post(`old 01\n\n${good}`)).statusCode, 400);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 5, proof: [], note: good }))).statusCode, 400);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(0, root(1)) }))).statusCode, 422);
  });

  it('cosigns, then answers 409 with its size and 422 for another root at that size', async () => {
    // Size 1 from 0 needs no proof.
    const one = note(1, root(2));
    const r = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: one }));
    assert.equal(r.statusCode, 200, r.body);
    const opened = openWitnessedCheckpoint(one + r.body, id.verifier, ORIGIN, witnessPolicy([w.vkey], 1));
    assert.equal(opened.cosignatures.length, 1);
    assert.ok(opened.cosignatures[0]!.timestamp > 0);
    const conflict = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: one }));
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.headers['content-type'], 'text/x.tlog.size');
    assert.equal(conflict.body, '1\n');
    assert.equal((await post(formatAddCheckpoint({ oldSize: 1, proof: [], note: note(1, root(3)) }))).statusCode, 422);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 1, proof: [], note: one }))).statusCode, 200);
    const served = await w.app.inject({ method: 'GET', url: `/${originHash(ORIGIN)}/checkpoint` });
    assert.equal(served.statusCode, 200);
    assert.equal(openWitnessedCheckpoint(served.body, id.verifier, ORIGIN, witnessPolicy([w.vkey], 1)).checkpoint.size, 1);
    assert.equal((await w.app.inject({ method: 'GET', url: `/${'0'.repeat(64)}/checkpoint` })).statusCode, 404);
  });

  it('keeps its state across a restart (own directory, not the log\'s database)', async () => {
    await w.close();
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]), { dir: w.dir, name: w.cosigner.name });
    const r = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(0, emptyRoot()) }));
    assert.equal(r.statusCode, 409);
    assert.equal(r.body, '1\n');
  });
});

for (const backend of DATABASES) {
  describe(`a witnessed log (${backend.name})`, () => {
    const masterKey = randomBytes(32);
    let id: LogIdentity;
    let w: RunningWitness;
    let env: Record<string, string>;

    before(async () => {
      id = await logIdentity(masterKey);
      w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
      env = { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' };
    });
    after(async () => {
      await w.close();
      rmSync(w.dir, { recursive: true, force: true });
    });

    it('submits each checkpoint, serves it with the cosignature, and the witness refuses a truncated log', async () => {
      const { rt, db, cleanup } = await witnessedRuntime(backend, env);
      try {
        const { app } = await import('../../src/server/app.js').then(async (m) => ({ app: await m.buildApp(rt, { logger: false }) }));
        await appendRecordsBulk(db, 0, 40);
        await rt.integrator.drain();
        await rt.witnessing!.idle();
        const tiles40 = await saveTiles(db);
        await appendRecordsBulk(db, 40, 60);
        await rt.integrator.drain();
        await rt.witnessing!.idle();

        const served = await app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
        assert.equal(served.statusCode, 200);
        const cp = openWitnessedCheckpoint(served.body, id.verifier, ORIGIN, witnessPolicy([w.vkey], 1));
        assert.equal(cp.checkpoint.size, 100);
        const listed = (await app.inject({ method: 'GET', url: '/v1/log/witnesses' })).json();
        assert.deepEqual(listed, { quorum: 1, witnesses: [{ name: 'witness.test/w1', vkey: w.vkey, url: w.url }] });
        await app.close();

        // The DBA's truncation back to 40; a server whose published file is gone too signs 40 + 10.
        await truncateTo(db, 40, tiles40);
        await appendRecordsBulk(db, 1000, 10, 'fork');
        const fresh = testIntegrator(rt.store, id);
        await fresh.drain();
        const forkCp = await new LogReader(db).latest();
        assert.equal(forkCp.size, 50);
        const errors: unknown[] = [];
        const floor = new PublishedHead({ file: undefined, identity: id, clock: new FixedClock() });
        const witnessing = new Witnessing({ db, identity: id, witnesses: [{ url: w.url, verifier: parseCosignatureVerifierKey(w.vkey) }], clock: new FixedClock(), published: floor, onError: (e) => errors.push(e), retryMs: [60_000, 60_000] });
        witnessing.notify(forkCp);
        await witnessing.idle();
        await witnessing.stop();
        assert.equal((errors[0] as { code?: string }).code, 'LOG_BEHIND_PUBLISHED', String(errors[0]));
        // The witness still holds 100, and the log now knows it: it will not sign below or beside it.
        const held = await w.app.inject({ method: 'GET', url: `/${originHash(ORIGIN)}/checkpoint` });
        assert.equal(openWitnessedCheckpoint(held.body, id.verifier, ORIGIN, witnessPolicy([w.vkey], 1)).checkpoint.size, 100);
        assert.equal(floor.floor?.size, 100);
        const rows = await db.selectFrom('tlog_cosignatures').select('size').where('size', '=', 50).execute();
        assert.equal(rows.length, 0);
        // Even with the proof it asks for, the witness refuses the forked tree (422).
        const proofFrom40 = (await new LogReader(db).consistencyProof(40, 50)).proof;
        const direct = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: 100, proof: proofFrom40, note: forkCp.note }) });
        assert.equal(direct.status, 400); // old size 100 > 50: refused before any proof
      } finally {
        await cleanup();
      }
    });
  });
}
