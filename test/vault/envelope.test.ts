import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dataKeyAad, encodeAad, FORMAT_VERSION, openBytes, openField, sealField, type FieldPlace } from '../../src/vault/envelope.js';
import { code } from './helpers.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const place = fc.record({ customerId: fc.string({ minLength: 1, maxLength: 20 }), field: fc.string({ minLength: 1, maxLength: 20 }), keyVersion: fc.integer({ min: 1, max: 1000 }) });
const plaintext = fc.uint8Array({ maxLength: 200 });

const samePlace = (a: FieldPlace, b: FieldPlace) => a.customerId === b.customerId && a.field === b.field && a.keyVersion === b.keyVersion;

describe('envelope', () => {
  it('round-trips any value and has the documented layout', () => {
    fc.assert(fc.property(key, place, plaintext, (k, p, pt) => {
      const sealed = sealField(k, p, pt);
      assert.equal(sealed.length, 1 + 12 + pt.length + 16);
      assert.equal(sealed[0], FORMAT_VERSION);
      assert.deepEqual(Buffer.from(openField(k, p, sealed)), Buffer.from(pt));
    }));
  });

  it('uses a fresh nonce each time', () => {
    const k = randomBytes(32);
    const p = { customerId: 'c1', field: 'email', keyVersion: 1 };
    const a = sealField(k, p, Buffer.from('same'));
    const b = sealField(k, p, Buffer.from('same'));
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  });

  it('never repeats a nonce across pool refills, and a nonce is not all zeros', () => {
    const k = randomBytes(32);
    const p = { customerId: 'c1', field: 'email', keyVersion: 1 };
    const seen = new Set<string>();
    for (let i = 0; i < 3 * 342; i++) { // the pool holds 341 nonces: this crosses two refills
      const nonce = Buffer.from(sealField(k, p, Buffer.from('same')).subarray(1, 13));
      assert.notDeepEqual(nonce, Buffer.alloc(12));
      seen.add(nonce.toString('hex'));
    }
    assert.equal(seen.size, 3 * 342);
  });

  it('fails with DECRYPT_FAILED when only the customer, only the field or only the key version differs', () => {
    fc.assert(fc.property(key, place, place, fc.constantFrom('customerId', 'field', 'keyVersion'), plaintext, (k, p, other, part, pt) => {
      const q = { ...p, [part]: other[part] };
      fc.pre(!samePlace(p, q));
      const sealed = sealField(k, p, pt);
      assert.throws(() => openField(k, q, sealed), code('DECRYPT_FAILED'));
    }));
  });

  it('fails with DECRYPT_FAILED on any single flipped bit', () => {
    fc.assert(fc.property(key, place, plaintext, fc.nat(), (k, p, pt, bit) => {
      const sealed = Buffer.from(sealField(k, p, pt));
      const i = bit % (sealed.length * 8);
      sealed[i >> 3] = (sealed[i >> 3] as number) ^ (1 << (i & 7));
      assert.throws(() => openField(k, p, sealed), code('DECRYPT_FAILED'));
    }));
  });

  it('fails with DECRYPT_FAILED on truncation and on a wrong key, with the reason only in cause', () => {
    fc.assert(fc.property(key, key, place, plaintext, fc.nat(), (k, k2, p, pt, cut) => {
      const sealed = sealField(k, p, pt);
      assert.throws(() => openField(k, p, sealed.subarray(0, cut % sealed.length)), code('DECRYPT_FAILED'));
      fc.pre(!Buffer.from(k).equals(Buffer.from(k2)));
      assert.throws(() => openField(k2, p, sealed), (e: unknown) => code('DECRYPT_FAILED')(e) && (e as Error).message === 'Decryption failed.' && (e as Error).cause !== undefined);
    }));
  });

  it('rejects an unknown version byte even with a valid tag layout', () => {
    const k = randomBytes(32);
    const p = { customerId: 'c', field: 'f', keyVersion: 1 };
    const sealed = Buffer.from(sealField(k, p, Buffer.from('x')));
    sealed[0] = 2;
    assert.throws(() => openField(k, p, sealed), code('DECRYPT_FAILED'));
  });

  it('encodes AAD parts unambiguously (length-prefixed)', () => {
    assert.notDeepEqual(encodeAad(['ab', 'c']), encodeAad(['a', 'bc']));
    assert.notDeepEqual(dataKeyAad('c1', 1), dataKeyAad('c1', 2));
    assert.deepEqual(Buffer.from(encodeAad(['ab', 7])).toString('hex'), '00000002616200000007');
    const k = randomBytes(32);
    const sealed = sealField(k, { customerId: 'c1', field: 'f', keyVersion: 1 }, Buffer.from('v'));
    assert.throws(() => openBytes(k, dataKeyAad('c1', 1), sealed), code('DECRYPT_FAILED'));
  });
});
