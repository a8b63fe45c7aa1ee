// Envelope edges the mutation run left open (issue 20): decryptFailed's one uniform error, the
// header (version byte and nonce) authenticated as associated data, and the AAD encoding's
// bounds read byte by byte.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyholeError, isKeyholeError } from '../../src/shared/errors.js';
import { dataKeyAad, decryptFailed, encodeAad, fieldAad, FORMAT_VERSION, KEY_BYTES, openBytes, openField, sealBytes, sealField } from '../../src/vault/envelope.js';

const key = () => new Uint8Array(randomBytes(KEY_BYTES));

describe('decryptFailed', () => {
  it('passes a DECRYPT_FAILED through unchanged and turns anything else into one, keeping it as cause', () => {
    const same = new KeyholeError('DECRYPT_FAILED');
    assert.equal(decryptFailed(same), same);
    const other = new KeyholeError('BAD_REQUEST', 'no');
    const fromOther = decryptFailed(other);
    assert.ok(isKeyholeError(fromOther, 'DECRYPT_FAILED'));
    assert.notEqual(fromOther, other);
    assert.equal(fromOther.cause, other);
    const plain = new RangeError('x');
    const fromPlain = decryptFailed(plain);
    assert.ok(isKeyholeError(fromPlain, 'DECRYPT_FAILED'));
    assert.equal(fromPlain.cause, plain);
    assert.equal(fromPlain.message, 'Decryption failed.', 'the reason stays out of the message');
  });
});

describe('sealed layout', () => {
  it('opens with the format version, then a 12-byte nonce, the ciphertext and a 16-byte tag', () => {
    const k = key();
    const pt = Buffer.from('hello world');
    const s = Buffer.from(sealBytes(k, Buffer.from('aad'), pt));
    assert.equal(s[0], FORMAT_VERSION);
    assert.equal(FORMAT_VERSION, 1);
    assert.equal(s.length, 1 + 12 + pt.length + 16);
    assert.notDeepEqual(s.subarray(13, 13 + pt.length), pt, 'the plaintext is not in the clear');
  });

  it('a sealed value opens only with exactly its AAD: empty, longer or shorter AADs fail', () => {
    const k = key();
    const s = sealBytes(k, Buffer.from('aad'), Buffer.from('v'));
    for (const aad of [new Uint8Array(), Buffer.from('aa'), Buffer.from('aadX'), Buffer.from('AAD')]) {
      assert.throws(() => openBytes(k, aad, s), (e) => isKeyholeError(e, 'DECRYPT_FAILED'), Buffer.from(aad).toString());
    }
    assert.equal(Buffer.from(openBytes(k, Buffer.from('aad'), s)).toString(), 'v');
  });

  it('a value sealed as a field does not open as a wrapped data key of the same customer and version, nor the reverse', () => {
    const k = key();
    const place = { customerId: 'cus_1', field: 'email', keyVersion: 1 };
    assert.throws(() => openBytes(k, dataKeyAad('cus_1', 1), sealField(k, place, Buffer.from('v'))), (e) => isKeyholeError(e, 'DECRYPT_FAILED'));
    assert.throws(() => openField(k, place, sealBytes(k, dataKeyAad('cus_1', 1), Buffer.from('v'))), (e) => isKeyholeError(e, 'DECRYPT_FAILED'));
  });

  it('a value moved between customers whose ids share a prefix does not open', () => {
    const k = key();
    const s = sealField(k, { customerId: 'cus_1', field: 'email', keyVersion: 1 }, Buffer.from('v'));
    assert.throws(() => openField(k, { customerId: 'cus_10', field: 'email', keyVersion: 1 }, s), (e) => isKeyholeError(e, 'DECRYPT_FAILED'));
    assert.throws(() => openField(k, { customerId: 'cus_', field: '1email', keyVersion: 1 }, s), (e) => isKeyholeError(e, 'DECRYPT_FAILED'));
  });
});

describe('AAD encodings', () => {
  it('fieldAad and dataKeyAad are the documented labelled parts', () => {
    assert.deepEqual(Buffer.from(fieldAad({ customerId: 'c', field: 'f', keyVersion: 2 })), Buffer.from(encodeAad(['keyhole/field/v1', 'c', 'f', 2])));
    assert.deepEqual(Buffer.from(dataKeyAad('c', 2)), Buffer.from(encodeAad(['keyhole/data-key/v1', 'c', 2])));
    assert.deepEqual([...encodeAad([])], []);
    assert.deepEqual([...encodeAad([''])], [0, 0, 0, 0]);
    assert.deepEqual([...encodeAad([0xffffffff])], [0xff, 0xff, 0xff, 0xff]);
  });
});
