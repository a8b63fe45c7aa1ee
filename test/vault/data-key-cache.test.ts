import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataKeyCache } from '../../src/vault/data-key-cache.js';

const row = (n: number) => ({ kekId: 'file:1', keyVersion: 1, wrapped: Buffer.of(n) });
const entry = (n: number) => ({ ...row(n), dataKey: Buffer.alloc(32, n) });

describe('DataKeyCache', () => {
  it('keeps at most `capacity` entries, evicting the least recently used', () => {
    const c = new DataKeyCache(2);
    c.set('a', entry(1));
    c.set('b', entry(2));
    assert.ok(c.get('a', row(1))); // a is now most recent
    c.set('c', entry(3));
    assert.equal(c.size, 2);
    assert.equal(c.get('b', row(2)), undefined);
    assert.ok(c.get('a', row(1)));
    assert.ok(c.get('c', row(3)));
  });

  it('only answers for the exact row it came from, and drops a stale entry', () => {
    const c = new DataKeyCache(10);
    c.set('a', entry(1));
    assert.equal(c.get('a', { ...row(1), kekId: 'file:2' }), undefined);
    assert.equal(c.size, 0);
    c.set('a', entry(1));
    assert.equal(c.get('a', row(9)), undefined);
    c.set('a', entry(1));
    assert.equal(c.get('a', { ...row(1), keyVersion: 2 }), undefined);
    c.set('a', entry(1));
    c.delete('a');
    assert.equal(c.get('a', row(1)), undefined);
  });

  it('caches nothing with capacity 0 and clears', () => {
    const z = new DataKeyCache(0);
    z.set('a', entry(1));
    assert.equal(z.size, 0);
    const c = new DataKeyCache(3);
    c.set('a', entry(1));
    c.set('b', entry(2));
    c.clear();
    assert.equal(c.size, 0);
    assert.throws(() => new DataKeyCache(-1), RangeError);
  });
});

describe('DataKeyCache stats', () => {
  it('counts hits and misses (a stale entry is a miss) and reports the hit rate', () => {
    const c = new DataKeyCache(4);
    assert.equal(c.stats().hitRate, 0);
    c.get('a', row(1));
    c.set('a', entry(1));
    c.get('a', row(1));
    c.get('a', row(1));
    c.get('a', row(2));
    assert.deepEqual(c.stats(), { hits: 2, misses: 2, hitRate: 0.5, size: 0, capacity: 4 });
  });
});
