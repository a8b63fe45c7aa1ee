// The evidence bundle of a witnessed log (issue 10 item 2): its last checkpoint is the newest one
// the log's witness quorum cosigned, with the cosignature; the offline verifier applies a witness
// policy — the verifier's own (pinned) or else the bundle's — and refuses a bundle below it,
// even one re-signed by an insider holding the evidence key (a cosignature cannot be forged).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLogIdentity } from '../../src/audit/log-identity.js';
import { verifyBundle } from '../../src/cli/incident.js';
import { bundleFileText, signedText, type EvidenceBundle } from '../../src/incident/bundle-format.js';
import { verifyEvidenceBundle } from '../../src/incident/bundle-verify.js';
import { incidentService } from '../../src/server/routes/incident.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { signNote } from '../../src/shared/tlog/note.js';
import { witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { startWitness, type RunningWitness } from '../audit/support/witness-fixture.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, TEST_DEMO, type Harness } from '../support/harness.js';

const ORIGIN = 'keyhole.example/log';

describe('the evidence bundle of a witnessed log', { timeout: 120_000 }, () => {
  const masterKey = randomBytes(32);
  let w: RunningWitness;
  let h: Harness;
  let text: string;
  const other = cosignatureVerifierKeyFor('witness.test/w2', cosignerFromSeed('witness.test/w2', randomBytes(32)).publicKey);

  before(async () => {
    const id = await openLogIdentity(new MasterKeyProvider(masterKey), ORIGIN);
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
    h = await startHarness(DATABASES.find((d) => d.name === 'pglite')!, TEST_DEMO, {
      env: { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_LOG_ORIGIN: ORIGIN, KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' },
    });
    const sec = await h.login('sec_01');
    await h.rt.integrator.drain();
    const opened = await h.app.inject({ method: 'POST', url: '/v1/incidents', headers: { cookie: sec }, payload: { agentIds: ['agt_001'], reason: 'witnessed bundle test' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const r = await h.app.inject({ method: 'GET', url: `/v1/incidents/${opened.json().incident.id}/evidence`, headers: { cookie: sec } });
    assert.equal(r.statusCode, 200, r.body);
    text = r.body;
  });
  after(async () => {
    await h?.close();
    await w?.close();
    rmSync(w.dir, { recursive: true, force: true });
  });

  it('carries the cosignature and the log\'s policy; verifies under a pinned policy and under its own', () => {
    const bundle = (JSON.parse(text) as { bundle: EvidenceBundle }).bundle;
    assert.deepEqual(bundle.log.witnesses, { quorum: 1, keys: [w.vkey] });
    assert.match(bundle.log.checkpoints.at(-1)!, /\n\u2014 witness\.test\/w1 /);
    const pinned = verifyEvidenceBundle(text, { logVerifierKey: h.rt.integrator.identity.verifierKey, witnessPolicy: witnessPolicy([w.vkey, other], 1) });
    assert.deepEqual(pinned.witnesses, { quorum: 1, of: 2, cosignedBy: ['witness.test/w1'] });
    assert.equal(pinned.pinned.witnesses, true);
    const own = verifyEvidenceBundle(text);
    assert.deepEqual([own.witnesses.cosignedBy, own.pinned.witnesses], [['witness.test/w1'], false]);
  });

  it('refuses a bundle below the policy: too few cosigners, or re-signed without the cosignature', async () => {
    assert.throws(() => verifyEvidenceBundle(text, { witnessPolicy: witnessPolicy([w.vkey, other], 2) }),
      (e) => isKeyholeError(e, 'BUNDLE_INVALID') && /cosigned by 1 of the 2 witnesses required/.test(e.message));
    // An insider with the evidence key drops the cosignature and the witness list, and re-signs.
    const file = JSON.parse(text) as { bundle: EvidenceBundle };
    const last = file.bundle.log.checkpoints.length - 1;
    file.bundle.log.checkpoints[last] = file.bundle.log.checkpoints[last]!.replace(/\u2014 witness\.test\/w1 [^\n]+\n/, '');
    delete file.bundle.log.witnesses;
    const svc = incidentService(h.rt);
    const key = await svc.evidenceKey();
    await svc.dispose();
    const stripped = bundleFileText(file.bundle, signNote(signedText(file.bundle), [key.signer]));
    assert.equal(verifyEvidenceBundle(stripped).witnesses.quorum, 0, 'unpinned, it only shows internal consistency');
    assert.throws(() => verifyEvidenceBundle(stripped, { witnessPolicy: witnessPolicy([w.vkey], 1) }), (e) => isKeyholeError(e, 'BUNDLE_INVALID') && /witnesses of checkpoint/.test(e.message));

    const dir = mkdtempSync(path.join(tmpdir(), 'kh-bundle-w-'));
    try {
      const f = path.join(dir, 'bundle.json');
      writeFileSync(f, stripped);
      assert.throws(() => verifyBundle({ bundle: f, witnesses: { witness: [w.vkey], quorum: '1' } }), (e) => isKeyholeError(e, 'BUNDLE_INVALID'));
      const policy = path.join(dir, 'policy');
      writeFileSync(policy, `witness ${w.vkey}\n`);
      writeFileSync(f, text);
      verifyBundle({ bundle: f, witnesses: { witnessPolicy: policy } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
