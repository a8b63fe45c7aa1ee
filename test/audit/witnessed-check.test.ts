// checkAgainstWitnesses in process (witnessed-check.ts): what counts as a witness's memory and
// what is only a warning — an unreachable witness, an answer that is not this log's checkpoint, a
// checkpoint cosigned by a witness outside the policy — and the quorum counted over the witnesses'
// answers and the cosignatures stored with the log. The truncation end to end, as the CLI runs
// it: witnessed-verify.test.ts. Also the offline proof check under a witness policy.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openLogIdentity, type LogIdentity } from '../../src/audit/log-identity.js';
import { checkAgainstWitnesses } from '../../src/audit/witnessed-check.js';
import { LogReader } from '../../src/audit/log-reader.js';
import { servedCheckpoint } from '../../src/audit/served-checkpoint.js';
import { verifyOfflineProof } from '../../src/audit/verify-proof.js';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { signerFromSeed } from '../../src/shared/tlog/vkey.js';
import { NO_WITNESSES, witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk } from './support/log-fixture.js';
import { startWitness, witnessedRuntime, type RunningWitness } from './support/witness-fixture.js';

const ORIGIN = 'test.keyhole.example/log';

describe('checkAgainstWitnesses', { timeout: 120_000 }, () => {
  const masterKey = randomBytes(32);
  let id: LogIdentity;
  let w: RunningWitness;
  let junk: Server;
  let junkUrl: string;
  let ctx: Awaited<ReturnType<typeof witnessedRuntime>>;
  const other = cosignatureVerifierKeyFor('witness.test/w2', cosignerFromSeed('witness.test/w2', randomBytes(32)).publicKey);

  before(async () => {
    id = await openLogIdentity(new MasterKeyProvider(masterKey), ORIGIN);
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
    // A "witness" that answers a checkpoint of this origin signed by someone else.
    const forged = signCheckpoint({ origin: ORIGIN, size: 5, rootHash: new Uint8Array(32) }, [signerFromSeed(ORIGIN, randomBytes(32))]);
    junk = createServer((_req, res) => res.end(forged));
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', r));
    junkUrl = `http://127.0.0.1:${(junk.address() as AddressInfo).port}`;
    ctx = await witnessedRuntime(DATABASES[0]!, { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' });
    await appendRecordsBulk(ctx.db, 0, 30);
    await ctx.rt.integrator.drain();
    await ctx.rt.witnessing!.idle();
  });
  after(async () => {
    await ctx?.cleanup();
    await w?.close();
    rmSync(w.dir, { recursive: true, force: true });
    await new Promise((r) => junk?.close(r));
  });

  const input = (over: Partial<Parameters<typeof checkAgainstWitnesses>[1]> = {}) => ({
    verifier: id.verifier, origin: ORIGIN, policy: witnessPolicy([w.vkey], 1), urls: [w.url], timeoutMs: 5_000, ...over,
  });

  it('confirms a log that extends what its witness cosigned', async () => {
    const r = await checkAgainstWitnesses(ctx.db, input());
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.size, 30);
    assert.equal(r.witnessed?.size, 30);
    assert.deepEqual(r.confirmedBy, ['witness.test/w1']);
    assert.deepEqual(r.warnings, []);
  });

  it('only warns about an unreachable witness and a forged answer, and counts the stored cosignatures', async () => {
    const r = await checkAgainstWitnesses(ctx.db, input({ urls: ['http://127.0.0.1:9', junkUrl] }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.confirmedBy, ['witness.test/w1'], 'from the cosignatures stored with the log');
    assert.equal(r.witnessed?.source, 'the log\'s stored cosignatures');
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings.join('\n'), /did not answer/);
    assert.match(r.warnings.join('\n'), /returned no checkpoint of this log/);
  });

  it('ignores a witness outside the policy, and fails a quorum the cosigners do not reach', async () => {
    const outside = await checkAgainstWitnesses(ctx.db, input({ policy: witnessPolicy([other], 1) }));
    assert.equal(outside.ok, false);
    assert.ok(!outside.ok && outside.code === 'WITNESS_QUORUM_NOT_MET', JSON.stringify(outside));
    assert.match(outside.warnings.join('\n'), /no cosignature of a policy witness/);
    const two = await checkAgainstWitnesses(ctx.db, input({ policy: witnessPolicy([w.vkey, other], 2) }));
    assert.ok(!two.ok && /only 1 of the 2 witnesses/.test(two.problem), JSON.stringify(two));
    const none = await checkAgainstWitnesses(ctx.db, input({ policy: NO_WITNESSES, urls: [] }));
    assert.ok(none.ok && none.witnessed === undefined);
  });

  it('fails against a published-checkpoint file ahead of the database', async () => {
    const ahead = signCheckpoint({ origin: ORIGIN, size: 31, rootHash: new Uint8Array(32) }, [id.signer]);
    const r = await checkAgainstWitnesses(ctx.db, input({ publishedNote: ahead }));
    assert.ok(!r.ok && r.code === 'LOG_VERIFY_FAILED' && r.firstBadIndex === 30, JSON.stringify(r));
    assert.match(r.problem, /the published-checkpoint file holds a checkpoint of 31: 1 entries are missing/);
    const other30 = signCheckpoint({ origin: ORIGIN, size: 30, rootHash: new Uint8Array(32) }, [id.signer]);
    const forked = await checkAgainstWitnesses(ctx.db, input({ publishedNote: other30 }));
    assert.ok(!forked.ok && /not consistent with the checkpoint of 30/.test(forked.problem), JSON.stringify(forked));
  });

  it('an offline proof under a witness policy needs the cosigned checkpoint, and refuses one below it', async () => {
    const proof = await new LogReader(ctx.db).entryProof(7);
    const entry = (await new LogReader(ctx.db).entries(7, 1)).entries[0]!.entry;
    const cosigned = (await servedCheckpoint(ctx.db, witnessPolicy([w.vkey], 1)))!.note;
    const bare = (await new LogReader(ctx.db).latest()).note;
    const base = { proof, vkey: id.verifierKey, entry, origin: ORIGIN };
    assert.equal(verifyOfflineProof({ ...base, checkpoint: cosigned, witnessPolicy: witnessPolicy([w.vkey, other], 1) }).trustedSize, 30);
    assert.throws(() => verifyOfflineProof({ ...base, checkpoint: bare, witnessPolicy: witnessPolicy([w.vkey], 1) }), { code: 'WITNESS_QUORUM_NOT_MET' });
    assert.throws(() => verifyOfflineProof({ ...base, checkpoint: cosigned, witnessPolicy: witnessPolicy([w.vkey, other], 2) }), { code: 'WITNESS_QUORUM_NOT_MET' });
    assert.throws(() => verifyOfflineProof({ ...base, witnessPolicy: witnessPolicy([w.vkey], 1) }), { code: 'PROOF_INVALID' });
  });
});
