// The field catalog is consistent with itself, with the renderers and with the value schemas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { effectiveLevel, FIELD_CATALOG, fieldSpec, PROTECTED_FIELDS, supportsLevel } from '../../src/fields/catalog.js';
import { FIELD_NAMES, type FieldName } from '../../src/fields/catalog-types.js';
import { LEVELS, levelRank } from '../../src/fields/levels.js';
import { RENDERERS } from '../../src/fields/render.js';
import { parseFieldValue } from '../../src/fields/value-schemas.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { FIELD_ARBS } from './arbitraries.js';

describe('FIELD_CATALOG', () => {
  it('has one entry per field, named after its key', () => {
    assert.deepEqual(Object.keys(FIELD_CATALOG).sort(), [...FIELD_NAMES].sort());
    for (const f of FIELD_NAMES) assert.equal(FIELD_CATALOG[f].name, f);
  });

  it('lists levels ascending, starting at hidden, without duplicates', () => {
    for (const f of FIELD_NAMES) {
      const ranks = FIELD_CATALOG[f].levels.map(levelRank);
      assert.equal(FIELD_CATALOG[f].levels[0], 'hidden', f);
      for (let i = 1; i < ranks.length; i++) assert.ok(ranks[i]! > ranks[i - 1]!, f);
    }
  });

  it('supports verify_only exactly for the fields with a verification method', () => {
    for (const f of FIELD_NAMES) assert.equal(supportsLevel(f, 'verify_only'), FIELD_CATALOG[f].verify !== undefined, f);
    assert.equal(FIELD_CATALOG.dateOfBirth.verify, 'date');
    assert.equal(FIELD_CATALOG.address.verify, 'postal_code');
    assert.equal(FIELD_CATALOG.governmentId.verify, 'exact_id');
    assert.equal(FIELD_CATALOG.kycDocuments.verify, undefined);
  });

  it('keeps only the account attributes unencrypted', () => {
    const plain = FIELD_NAMES.filter((f) => !FIELD_CATALOG[f].protected).sort();
    assert.deepEqual(plain, ['accountId', 'accountStatus', 'createdAt', 'jurisdiction', 'tier']);
    assert.equal(PROTECTED_FIELDS.length, FIELD_NAMES.length - 5);
    for (const f of plain) assert.equal(FIELD_CATALOG[f].group, 'account');
  });

  it('bands money and masks e-mail', () => {
    assert.ok(supportsLevel('totalBalance', 'banded'));
    assert.ok(!supportsLevel('totalBalance', 'masked'));
    assert.ok(supportsLevel('email', 'masked'));
  });

  it('has a renderer for exactly the supported levels at or above masked', () => {
    for (const f of FIELD_NAMES) {
      const shown = FIELD_CATALOG[f].levels.filter((l) => levelRank(l) >= levelRank('masked'));
      assert.deepEqual(Object.keys(RENDERERS[f]).sort(), [...shown].sort(), f);
    }
  });

  it('effectiveLevel is the highest supported level not above the request', () => {
    assert.equal(effectiveLevel('totalBalance', 'masked'), 'hidden');
    assert.equal(effectiveLevel('totalBalance', 'banded'), 'banded');
    assert.equal(effectiveLevel('email', 'banded'), 'masked');
    assert.equal(effectiveLevel('kycDocuments', 'verify_only'), 'hidden');
    assert.equal(effectiveLevel('accountId', 'masked'), 'hidden');
    for (const f of FIELD_NAMES) {
      for (const l of LEVELS) {
        const e = effectiveLevel(f, l);
        assert.ok(supportsLevel(f, e) && levelRank(e) <= levelRank(l), `${f} ${l}`);
        for (const s of FIELD_CATALOG[f].levels) if (levelRank(s) <= levelRank(l)) assert.ok(levelRank(s) <= levelRank(e));
      }
    }
  });

  it('fieldSpec rejects an unknown name with UNKNOWN_FIELD', () => {
    assert.equal(fieldSpec('email').kind, 'email');
    assert.throws(() => fieldSpec('__proto__'), (e) => isKeyholeError(e, 'UNKNOWN_FIELD'));
    assert.throws(() => fieldSpec('ssn'), (e) => isKeyholeError(e, 'UNKNOWN_FIELD'));
  });
});

describe('field value schemas', () => {
  it('accept every generated value', () => {
    for (const f of FIELD_NAMES) {
      fc.assert(fc.property(FIELD_ARBS[f] as fc.Arbitrary<unknown>, (v) => { parseFieldValue(f as FieldName, v); }), { numRuns: 30 });
    }
  });

  it('reject a wrong shape with FIELD_VALUE_INVALID and no value in the message', () => {
    const check = (f: FieldName, v: unknown) =>
      assert.throws(() => parseFieldValue(f, v), (e) => isKeyholeError(e, 'FIELD_VALUE_INVALID') && !e.message.includes('secret-value'));
    check('email', 42);
    check('address', { line1: 'secret-value' });
    check('totalBalance', 'secret-value');
    check('transactions', [{ id: 'secret-value' }]);
    check('dateOfBirth', 'secret-value');
    check('kycDocuments', [{ type: 'tattoo', documentId: 'secret-value', uploadedAt: '2026-01-01T00:00:00Z' }]);
  });

  it('drop unknown keys', () => {
    const a = parseFieldValue('address', { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE', secret: 'x' });
    assert.equal('secret' in a, false);
  });
});
