// renderField: the level ladder, the fall-back to a supported level, transaction scope, and the
// property that nothing below `revealed` carries the value's secrets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { effectiveLevel } from '../../src/fields/catalog.js';
import type { FieldName } from '../../src/fields/catalog-types.js';
import { LEVELS, levelRank, type Level } from '../../src/fields/levels.js';
import { renderField, type RenderContext } from '../../src/fields/render.js';
import type { FieldValues, Transaction } from '../../src/fields/values.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { arbFieldAndValue, FIELD_ARBS, secretsOf } from './arbitraries.js';

const CTX: RenderContext = { referencedTx: [] };
const render = (field: FieldName, value: unknown, level: Level, ctx: RenderContext = CTX) => renderField(field, value as never, level, ctx);
const tx = (id: string): Transaction => ({ id, type: 'deposit', asset: 'ETH', amount: 1, usd: 3000, at: '2026-01-03T08:00:00Z', address: '0x52908400098527886E0F7030069857D2E4169EE7', status: 'pending' });

describe('renderField', () => {
  it('returns null for hidden and verify_only', () => {
    assert.equal(render('email', 'jane@gmail.com', 'hidden'), null);
    assert.equal(render('email', 'jane@gmail.com', 'verify_only'), null);
    assert.equal(render('dateOfBirth', '1990-03-07', 'verify_only'), null);
  });

  it('masks, bands and reveals per kind', () => {
    assert.equal(render('email', 'jane@gmail.com', 'masked'), 'j***@g***.com');
    assert.equal(render('email', 'jane@gmail.com', 'revealed'), 'jane@gmail.com');
    assert.equal(render('fullName', 'Jane Doe', 'masked'), 'Jane D.');
    assert.equal(render('totalBalance', 42_000, 'banded'), '$10k–$100k');
    assert.equal(render('totalBalance', 42_000.5, 'revealed'), 42_000.5);
    assert.equal(render('lastLoginIp', '203.0.113.9', 'masked'), '203.0.x.x');
    assert.equal(render('accountId', 'AC12345678', 'revealed'), 'AC12345678');
    assert.deepEqual(render('holdings', [{ asset: 'BTC', amount: 2, usd: 2_000_000 }], 'banded'), [{ asset: 'BTC', band: 'high' }]);
  });

  it('renders an unsupported level at the highest supported level below it', () => {
    assert.equal(render('totalBalance', 42_000, 'masked'), null); // money has no masked form → hidden
    assert.equal(render('email', 'jane@gmail.com', 'banded'), 'j***@g***.com'); // → masked
    assert.equal(render('accountStatus', 'active', 'banded'), null); // → hidden
    assert.equal(render('kycDocuments', [], 'verify_only'), null);
  });

  it('limits transactions to the referenced ones, at every level, except for fraud investigations', () => {
    const all = [tx('t1'), tx('t2'), tx('t3')];
    const ids = (v: unknown) => (v as Transaction[]).map((t) => t.id);
    assert.deepEqual(ids(render('transactions', all, 'revealed', { referencedTx: ['t2'] })), ['t2']);
    assert.deepEqual(ids(render('transactions', all, 'masked', { referencedTx: ['t2', 't3'], purpose: 'withdrawal_issue' })), ['t2', 't3']);
    assert.deepEqual(ids(render('transactions', all, 'revealed', { referencedTx: [], purpose: 'deposit_missing' })), []);
    assert.deepEqual(ids(render('transactions', all, 'revealed', { referencedTx: [], purpose: 'fraud_investigation' })), ['t1', 't2', 't3']);
    const masked = render('transactions', all, 'masked', { referencedTx: ['t1'] }) as unknown as Transaction[];
    assert.equal(masked[0]!.address, '0x5290…9EE7');
  });

  it('rejects a malformed value with FIELD_VALUE_INVALID instead of rendering it', () => {
    assert.throws(() => render('email', { email: 'jane@gmail.com' }, 'masked'), (e) => isKeyholeError(e, 'FIELD_VALUE_INVALID'));
    assert.throws(() => render('totalBalance', '42000', 'banded'), (e) => isKeyholeError(e, 'FIELD_VALUE_INVALID'));
    assert.equal(render('email', { email: 'x' }, 'hidden'), null); // not even parsed when nothing is shown
  });

  it('drops unknown keys even when revealing', () => {
    const v = render('address', { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US', ssn: '078-05-1120' }, 'revealed');
    assert.equal(JSON.stringify(v).includes('078-05-1120'), false);
  });
});

describe('renderField (properties)', () => {
  const arbLevel = fc.constantFrom(...LEVELS);

  it('renders exactly as at the effective level, and nothing below masked', () => {
    fc.assert(fc.property(arbFieldAndValue, arbLevel, ({ field, value }, level) => {
      const out = render(field, value, level);
      assert.deepEqual(out, render(field, value, effectiveLevel(field, level)));
      if (levelRank(effectiveLevel(field, level)) < levelRank('masked')) assert.equal(out, null);
    }), { numRuns: 1000 });
  });

  it('never carries a secret of the value below revealed', () => {
    fc.assert(fc.property(arbFieldAndValue, fc.constantFrom<Level>('hidden', 'verify_only', 'masked', 'banded'), ({ field, value }, level) => {
      const json = JSON.stringify(render(field, value, level, { referencedTx: [] }));
      for (const s of secretsOf(field, value)) assert.ok(!json.includes(s), `${field}@${level} leaks ${JSON.stringify(s)} in ${json}`);
    }), { numRuns: 2000 });
  });

  it('never shows an unreferenced transaction outside fraud investigations', () => {
    fc.assert(fc.property(FIELD_ARBS.transactions, fc.array(fc.nat(5)), fc.constantFrom<Level>('masked', 'revealed'), (txs, picks, level) => {
      const referenced = picks.map((i) => txs[i]?.id ?? 'none');
      const out = render('transactions', txs, level, { referencedTx: referenced, purpose: 'withdrawal_issue' }) as unknown as FieldValues['transactions'];
      for (const t of out) assert.ok(referenced.includes(t.id));
      assert.equal(out.length, txs.filter((t) => referenced.includes(t.id)).length);
    }), { numRuns: 300 });
  });
});
