// Data-key cache bounds (issue 20): re-setting an entry makes it the most recently used, the
// bound holds after every operation, a lookup that misses never takes a slot, and the counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DataKeyCache } from '../../src/vault/data-key-cache.js';

const row = { kekId: 'kek_1', keyVersion: 1, wrapped: Uint8Array.of(7) };
const entry = (n: number) => ({ ...row, dataKey: new Uint8Array(32).fill(n) });

describe('DataKeyCache bounds', () => {
  it('re-setting an entry makes it the most recently used', () => {
    const c = new DataKeyCache(2);
    c.set('a', entry(1));
    c.set('b', entry(2));
    c.set('a', entry(3)); // a is now the most recent: b goes next
    c.set('c', entry(4));
    assert.equal(c.get('b', row), undefined);
    assert.deepEqual(c.get('a', row), entry(3).dataKey);
    assert.deepEqual(c.get('c', row), entry(4).dataKey);
  });

  it('capacity 1 keeps only the last entry set', () => {
    const c = new DataKeyCache(1);
    c.set('a', entry(1));
    c.set('b', entry(2));
    assert.equal(c.size, 1);
    assert.equal(c.get('a', row), undefined);
    assert.deepEqual(c.get('b', row), entry(2).dataKey);
  });

  it('property: behaves like a reference LRU of the same capacity, never above it', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('set' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), n: fc.nat(255) }),
      fc.record({ k: fc.constant('get' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ k: fc.constant('delete' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
    );
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 40 }), (cap, ops) => {
      const c = new DataKeyCache(cap);
      const ref: string[] = []; // least recent first
      const val = new Map<string, number>();
      const forget = (id: string) => {
        const i = ref.indexOf(id);
        if (i >= 0) ref.splice(i, 1);
      };
      for (const o of ops) {
        if (o.k === 'set') {
          if (cap === 0) continue;
          c.set(o.id, entry(o.n));
          forget(o.id);
          ref.push(o.id);
          val.set(o.id, o.n);
          while (ref.length > cap) ref.shift();
        } else if (o.k === 'get') {
          const got = c.get(o.id, row);
          if (ref.includes(o.id)) {
            assert.deepEqual(got, entry(val.get(o.id)!).dataKey);
            forget(o.id);
            ref.push(o.id);
          } else assert.equal(got, undefined);
        } else {
          c.delete(o.id);
          forget(o.id);
        }
        assert.equal(c.size, ref.length);
        assert.ok(c.size <= cap);
      }
      const s = c.stats();
      assert.equal(s.size, ref.length);
      assert.equal(s.capacity, cap);
    }));
  });

  it('counts: a hit, a miss on an absent key and a miss on a stale row', () => {
    const c = new DataKeyCache(3);
    c.get('x', row);
    c.set('a', entry(1));
    c.get('a', row);
    c.get('a', { ...row, keyVersion: 2 });
    const s = c.stats();
    assert.deepEqual({ hits: s.hits, misses: s.misses, size: s.size, capacity: s.capacity }, { hits: 1, misses: 2, size: 0, capacity: 3 });
    assert.equal(s.hitRate, 1 / 3);
  });
});
