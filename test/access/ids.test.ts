// Identifiers: newId's shape, and newSortableId's ULID layout (a 48-bit millisecond time, then
// 80 random bits, Crockford base32): ids made in a later millisecond sort after earlier ones,
// which is what lets an import append its customers at the right edge of each index.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { newId, newSortableId } from '../../src/access/ids.js';

const SHAPE = /^cus_[0-9a-hjkmnp-tv-z]{26}$/;
const MAX_TIME = 2 ** 48 - 1;

/** The time part of a sortable id, decoded. */
function timeOf(id: string): number {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  let t = 0;
  for (const ch of id.slice(4, 14)) t = t * 32 + alphabet.indexOf(ch);
  return t;
}

describe('ids', () => {
  it('newId and newSortableId have the same shape', () => {
    assert.match(newId('cus'), SHAPE);
    assert.match(newSortableId('cus', Date.now()), SHAPE);
    assert.match(newSortableId('cus', 0), SHAPE);
    assert.match(newSortableId('cus', MAX_TIME), SHAPE);
  });

  it('carries the time in its first 10 characters, as a ULID does', () => {
    // The ULID spec's seed-time example: ulid(1469918176385) begins 01ARYZ6S41.
    assert.equal(newSortableId('cus', 1_469_918_176_385).slice(4, 14), '01aryz6s41');
    assert.equal(newSortableId('cus', 0).slice(4, 14), '0000000000');
    assert.equal(newSortableId('cus', MAX_TIME).slice(4, 14), '7zzzzzzzzz');
  });

  it('sorts by time: an id of a later millisecond is greater, whatever the random bits', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_TIME - 1 }), fc.integer({ min: 1, max: 2 ** 20 }), (t, dt) => {
      const later = Math.min(MAX_TIME, t + dt);
      const a = newSortableId('cus', t);
      const b = newSortableId('cus', later);
      assert.equal(timeOf(a), t);
      assert.equal(timeOf(b), later);
      assert.ok(a < b, `${a} < ${b}`);
    }));
  });

  it('keeps 80 random bits: ids of one millisecond differ and use the whole alphabet', () => {
    const ids = Array.from({ length: 2000 }, () => newSortableId('cus', 1_700_000_000_000));
    assert.equal(new Set(ids).size, ids.length);
    const seen = new Set(ids.flatMap((id) => [...id.slice(14)]));
    assert.equal(seen.size, 32);
    // The last character is as random as the first of the random part (no fixed padding).
    assert.ok(new Set(ids.map((id) => id.at(-1))).size > 20);
  });

  it('refuses a time outside 0 ≤ t < 2^48', () => {
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN]) assert.throws(() => newSortableId('cus', bad), RangeError);
  });
});
