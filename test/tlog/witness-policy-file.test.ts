// The witness policy file (witness-policy-file.ts): what it accepts, what it refuses by code,
// and that formatting a policy reads back as the same policy (property over random policies).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { describeWitnessPolicy, formatWitnessPolicy, parseWitnessPolicyFile } from '../../src/shared/tlog/witness-policy-file.js';
import { witnessPolicy } from '../../src/shared/tlog/witness-policy.js';

const vkey = (name: string, seed: number) => cosignatureVerifierKeyFor(name, cosignerFromSeed(name, new Uint8Array(32).fill(seed)).publicKey);
const A = vkey('w.example/a', 1);
const B = vkey('w.example/b', 2);

describe('witness policy file', () => {
  it('reads witnesses, URLs, comments and the quorum (default: all)', () => {
    const p = parseWitnessPolicyFile(`# comment\n\nwitness ${A} https://a.example/w   # trailing\nwitness ${B}\nquorum 1\n`);
    assert.equal(p.policy.quorum, 1);
    assert.deepEqual(p.policy.witnesses.map((w) => w.name), ['w.example/a', 'w.example/b']);
    assert.deepEqual(p.urls, [[A, 'https://a.example/w']]);
    assert.equal(parseWitnessPolicyFile(`witness ${A}\nwitness ${B}\n`).policy.quorum, 2);
    assert.equal(parseWitnessPolicyFile(`witness ${A}\nquorum all\n`).policy.quorum, 1);
    assert.equal(parseWitnessPolicyFile('').policy.quorum, 0);
    assert.equal(describeWitnessPolicy(p.policy), '1 of 2 witnesses (w.example/a, w.example/b)');
  });

  it('refuses malformed policies with a code', () => {
    const cases: [string, string][] = [
      [`witnes ${A}\n`, 'BAD_REQUEST'],
      [`witness ${A} ftp://x\n`, 'BAD_REQUEST'],
      [`witness ${A}\nquorum 1\nquorum 1\n`, 'BAD_REQUEST'],
      [`witness ${A}\nquorum -1\n`, 'BAD_REQUEST'],
      [`witness ${A}\nquorum 2\n`, 'CHECKPOINT_INVALID'],
      [`witness ${A}\nwitness ${A}\n`, 'CHECKPOINT_INVALID'],
      [`witness ${A.replace('+', '+0')}\n`, 'CHECKPOINT_INVALID'],
      ['x'.repeat(70_000), 'BAD_REQUEST'],
    ];
    for (const [text, code] of cases) assert.throws(() => parseWitnessPolicyFile(text), { code }, text.slice(0, 60));
  });

  it('formats a policy that reads back the same (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { maxLength: 6 }), fc.nat(), fc.boolean(), (seeds, q, withUrls) => {
      const keys = seeds.map((s) => vkey(`w.example/${s}`, s));
      const policy = witnessPolicy(keys, keys.length === 0 ? 0 : q % (keys.length + 1));
      const urls = new Map(withUrls ? keys.map((k, i) => [k, `https://w${i}.example/`] as const) : []);
      const back = parseWitnessPolicyFile(formatWitnessPolicy(policy, urls));
      assert.equal(back.policy.quorum, policy.quorum);
      assert.deepEqual(back.policy.witnesses.map((w) => [w.name, w.keyHash]), policy.witnesses.map((w) => [w.name, w.keyHash]));
      assert.equal(back.urls.length, urls.size);
    }), { numRuns: 50 });
  });
});
