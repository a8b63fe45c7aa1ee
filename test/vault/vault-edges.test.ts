// The vault's pure parts at their edges (issue 20): the AAD encoding and its bounds, what a
// sealed value binds, the truncation threshold, the data-key cache's staleness and LRU rules,
// and the blind index's field-name rules and digest comparison.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assertFieldName, blindIndexDigest, blindIndexMessage, digestsEqual } from '../../src/vault/blind-index.js';
import { DataKeyCache } from '../../src/vault/data-key-cache.js';
import { dataKeyAad, encodeAad, openBytes, openField, sealBytes, sealField, type FieldPlace } from '../../src/vault/envelope.js';
import { isKeyholeError } from '../../src/shared/errors.js';

const decryptFailed = (e: unknown) => isKeyholeError(e, 'DECRYPT_FAILED');
const key = () => new Uint8Array(randomBytes(32));

describe('encodeAad', () => {
  it('is unambiguous: moving a boundary or changing a type changes the bytes', () => {
    assert.notDeepEqual(encodeAad(['ab', 'c']), encodeAad(['a', 'bc']));
    assert.notDeepEqual(encodeAad(['a', 1]), encodeAad(['a', '\u0001']));
    assert.deepEqual([...encodeAad(['é', 258])], [0, 0, 0, 2, 0xc3, 0xa9, 0, 0, 1, 2]);
  });
  it('accepts u32 numbers only', () => {
    assert.doesNotThrow(() => encodeAad([0, 0xffffffff]));
    for (const bad of [-1, 0x100000000, 1.5, Number.NaN]) assert.throws(() => encodeAad([bad]), RangeError, String(bad));
  });
  it('property: distinct part lists encode differently', () => {
    const part = fc.oneof(fc.string({ maxLength: 6 }), fc.nat({ max: 0xffffffff }));
    fc.assert(fc.property(fc.array(part, { maxLength: 4 }), fc.array(part, { maxLength: 4 }), (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      const sameShape = a.length === b.length && a.every((x, i) => typeof x === typeof b[i]);
      if (sameShape) assert.notDeepEqual(Buffer.from(encodeAad(a)), Buffer.from(encodeAad(b)));
    }));
  });
});

describe('sealed values', () => {
  const place: FieldPlace = { customerId: 'cus_1', field: 'email', keyVersion: 1 };
  it('bind the customer, the field and the key version', () => {
    const k = key();
    const sealed = sealField(k, place, Buffer.from('jane@example.com'));
    assert.equal(Buffer.from(openField(k, place, sealed)).toString(), 'jane@example.com');
    for (const other of [{ ...place, customerId: 'cus_2' }, { ...place, field: 'phone' }, { ...place, keyVersion: 2 }]) {
      assert.throws(() => openField(k, other, sealed), decryptFailed, JSON.stringify(other));
    }
  });
  it('a wrapped data key is bound to its customer and version', () => {
    const k = key();
    const wrapped = sealBytes(k, dataKeyAad('cus_1', 3), key());
    assert.throws(() => openBytes(k, dataKeyAad('cus_2', 3), wrapped), decryptFailed);
    assert.throws(() => openBytes(k, dataKeyAad('cus_1', 4), wrapped), decryptFailed);
  });
  it('the shortest valid value (empty plaintext) opens; one byte less is truncated', () => {
    const k = key();
    const sealed = sealBytes(k, new Uint8Array(), new Uint8Array());
    assert.equal(sealed.length, 1 + 12 + 16);
    assert.equal(openBytes(k, new Uint8Array(), sealed).length, 0);
    assert.throws(() => openBytes(k, new Uint8Array(), sealed.subarray(0, sealed.length - 1)), decryptFailed);
    assert.throws(() => openBytes(k, new Uint8Array(), sealed.subarray(1)), decryptFailed);
  });
  it('every tampered byte, a wrong key, or a wrong key length fails as DECRYPT_FAILED', () => {
    const k = key();
    const sealed = sealBytes(k, Buffer.from('aad'), Buffer.from('value'));
    for (let i = 0; i < sealed.length; i++) {
      const t = Uint8Array.from(sealed);
      t[i]! ^= 0x01;
      assert.throws(() => openBytes(k, Buffer.from('aad'), t), decryptFailed, `byte ${i}`);
    }
    assert.throws(() => openBytes(key(), Buffer.from('aad'), sealed), decryptFailed);
    assert.throws(() => openBytes(k.subarray(1), Buffer.from('aad'), sealed), decryptFailed);
    assert.throws(() => sealBytes(k.subarray(1), new Uint8Array(), new Uint8Array()), RangeError);
  });
  it('two seals of one value differ (random nonces)', () => {
    const k = key();
    assert.notDeepEqual(Buffer.from(sealBytes(k, new Uint8Array(), Buffer.from('x'))), Buffer.from(sealBytes(k, new Uint8Array(), Buffer.from('x'))));
  });
});

describe('DataKeyCache', () => {
  const row = { kekId: 'kek_1', keyVersion: 1, wrapped: Uint8Array.of(1, 2, 3) };
  const entry = (dataKey: Uint8Array) => ({ ...row, dataKey });
  it('answers only for exactly the row it came from, and drops a stale entry', () => {
    for (const stale of [{ ...row, kekId: 'kek_2' }, { ...row, keyVersion: 2 }, { ...row, wrapped: Uint8Array.of(1, 2, 4) }]) {
      const c = new DataKeyCache(4);
      const dk = key();
      c.set('cus_1', entry(dk));
      assert.equal(c.get('cus_1', stale), undefined, JSON.stringify(stale));
      assert.equal(c.size, 0, 'the stale entry is dropped');
      assert.equal(c.get('cus_1', row), undefined);
    }
    const c = new DataKeyCache(4);
    const dk = key();
    c.set('cus_1', entry(dk));
    assert.equal(c.get('cus_1', { ...row, wrapped: Uint8Array.of(1, 2, 3) }), dk);
    assert.equal(c.get('cus_2', row), undefined);
  });
  it('evicts the least recently used, where a hit counts as a use', () => {
    const c = new DataKeyCache(2);
    const [a, b, d] = [key(), key(), key()];
    c.set('a', entry(a));
    c.set('b', entry(b));
    assert.equal(c.get('a', row), a);
    c.set('d', entry(d));
    assert.equal(c.size, 2);
    assert.equal(c.get('b', row), undefined, 'b was least recently used');
    assert.equal(c.get('a', row), a);
    assert.equal(c.get('d', row), d);
  });
  it('re-setting a key replaces it without growing; delete and clear forget', () => {
    const c = new DataKeyCache(2);
    const [a, a2] = [key(), key()];
    c.set('a', entry(a));
    c.set('a', entry(a2));
    assert.equal(c.size, 1);
    assert.equal(c.get('a', row), a2);
    c.delete('a');
    assert.equal(c.get('a', row), undefined);
    c.set('a', entry(a));
    c.set('b', entry(a));
    c.clear();
    assert.equal(c.size, 0);
  });
  it('capacity 0 caches nothing; a negative or fractional capacity is refused', () => {
    const c = new DataKeyCache(0);
    c.set('a', entry(key()));
    assert.equal(c.size, 0);
    assert.equal(c.get('a', row), undefined);
    for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => new DataKeyCache(bad), RangeError);
  });
});

describe('blind index', () => {
  const hmacOf = (raw: Uint8Array) => ({ blindIndex: async (m: Uint8Array) => createHmac('sha256', raw).update(m).digest() });
  const k = hmacOf(key());
  it('field names are 1–128 characters without NUL', () => {
    assert.doesNotThrow(() => assertFieldName('x'.repeat(128)));
    for (const bad of ['', 'x'.repeat(129), 'a\u0000b']) assert.throws(() => assertFieldName(bad), (e) => isKeyholeError(e, 'BAD_REQUEST'));
    assert.throws(() => blindIndexMessage('a\u0000b', 'c'), (e) => isKeyholeError(e, 'BAD_REQUEST'));
  });
  it('is HMAC-SHA-256 of field ‖ 0x00 ‖ value under the index key, computed by the provider', async () => {
    const raw = key();
    const want = createHmac('sha256', raw).update(Buffer.concat([Buffer.from('email'), Buffer.of(0), Buffer.from('a@b.example')])).digest();
    assert.deepEqual(Buffer.from(await blindIndexDigest(hmacOf(raw), 'email', 'a@b.example')), want);
    assert.notDeepEqual(Buffer.from(await blindIndexDigest(k, 'email', 'a@b.example')), want);
    await assert.rejects(blindIndexDigest(k, 'a\u0000b', 'c'), (e) => isKeyholeError(e, 'BAD_REQUEST'));
    await assert.rejects(blindIndexDigest({ blindIndex: async () => new Uint8Array(31) }, 'email', 'v'), (e) => isKeyholeError(e, 'KEY_UNAVAILABLE'));
  });
  it('digestsEqual: equal bytes only, false for any other length', async () => {
    const d = await blindIndexDigest(k, 'email', 'v');
    assert.equal(digestsEqual(d, Uint8Array.from(d)), true);
    const flipped = Uint8Array.from(d);
    flipped[31]! ^= 1;
    assert.equal(digestsEqual(d, flipped), false);
    assert.equal(digestsEqual(d, d.subarray(0, 31)), false);
    assert.equal(digestsEqual(new Uint8Array(), new Uint8Array()), true);
  });
});
