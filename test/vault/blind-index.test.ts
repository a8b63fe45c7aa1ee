// Blind-index edges (issue 20): the field-name rules at their exact bounds and for non-strings,
// the message layout (one NUL between field and value, UTF-8 on both sides), the key version
// handed to the provider, and digests of any length but 32 refused.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assertFieldName, blindIndexDigest, blindIndexMessage, DIGEST_BYTES, digestsEqual } from '../../src/vault/blind-index.js';
import { code } from './helpers.js';

const raw = new Uint8Array(randomBytes(32));
const hmac = { blindIndex: async (m: Uint8Array) => new Uint8Array(createHmac('sha256', raw).update(m).digest()) };

describe('blind index field names', () => {
  it('accept 1 and 128 characters, refuse 0, 129, a NUL anywhere and a non-string', () => {
    for (const ok of ['x', 'x'.repeat(128), 'é'.repeat(128), 'dateOfBirth']) assert.doesNotThrow(() => assertFieldName(ok), ok);
    for (const bad of ['', 'x'.repeat(129), '\u0000', '\u0000x', 'x\u0000']) assert.throws(() => assertFieldName(bad), code('BAD_REQUEST'), JSON.stringify(bad));
    for (const bad of [42, null, undefined, ['email'], { length: 5 }]) {
      assert.throws(() => assertFieldName(bad as unknown as string), code('BAD_REQUEST'), JSON.stringify(bad));
    }
  });
});

describe('blind index message', () => {
  it('is UTF-8(field) ‖ 0x00 ‖ UTF-8(value), the value may be empty or hold a NUL', () => {
    assert.deepEqual([...blindIndexMessage('ab', 'c')], [0x61, 0x62, 0, 0x63]);
    assert.deepEqual([...blindIndexMessage('é', '')], [0xc3, 0xa9, 0]);
    assert.deepEqual([...blindIndexMessage('f', 'a\u0000b')], [0x66, 0, 0x61, 0, 0x62]);
  });

  it('property: distinct (field, value) pairs give distinct messages, hence distinct digests', async () => {
    const field = fc.string({ minLength: 1, maxLength: 8 }).filter((f) => !f.includes('\u0000'));
    fc.assert(fc.property(field, fc.string({ maxLength: 8 }), field, fc.string({ maxLength: 8 }), (f1, v1, f2, v2) => {
      fc.pre(f1 !== f2 || v1 !== v2);
      assert.notDeepEqual(Buffer.from(blindIndexMessage(f1, v1)), Buffer.from(blindIndexMessage(f2, v2)));
    }));
    assert.equal(digestsEqual(await blindIndexDigest(hmac, 'ab', 'c'), await blindIndexDigest(hmac, 'a', 'bc')), false);
  });
});

describe('blind index digest', () => {
  it('asks the provider for the given key version (default: none given, the provider picks 1)', async () => {
    const seen: Array<number | undefined> = [];
    const spy = { blindIndex: async (m: Uint8Array, v?: number) => { seen.push(v); return hmac.blindIndex(m); } };
    await blindIndexDigest(spy, 'email', 'v');
    await blindIndexDigest(spy, 'email', 'v', 2);
    assert.deepEqual(seen, [undefined, 2]);
  });

  it('refuses a digest of any length but 32 bytes as KEY_UNAVAILABLE', async () => {
    assert.equal(DIGEST_BYTES, 32);
    for (const n of [0, 16, 31, 33, 64]) {
      await assert.rejects(blindIndexDigest({ blindIndex: async () => new Uint8Array(n) }, 'email', 'v'), code('KEY_UNAVAILABLE'), String(n));
    }
    assert.equal((await blindIndexDigest({ blindIndex: async () => new Uint8Array(32) }, 'email', 'v')).length, 32);
  });

  it('a bad field name is refused before the provider is asked', async () => {
    let asked = 0;
    const counting = { blindIndex: async (m: Uint8Array) => { asked++; return hmac.blindIndex(m); } };
    await assert.rejects(blindIndexDigest(counting, '', 'v'), code('BAD_REQUEST'));
    assert.equal(asked, 0);
  });
});

describe('digestsEqual', () => {
  it('is true for equal bytes only: any differing byte, or a prefix, is false', () => {
    const d = new Uint8Array(randomBytes(32));
    for (let i = 0; i < d.length; i++) {
      const t = Uint8Array.from(d);
      t[i]! ^= 0x80;
      assert.equal(digestsEqual(d, t), false, `byte ${i}`);
    }
    assert.equal(digestsEqual(d, Uint8Array.from(d)), true);
    assert.equal(digestsEqual(d.subarray(0, 31), d), false);
    assert.equal(digestsEqual(d, new Uint8Array(33)), false);
  });
});
