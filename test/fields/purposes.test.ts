// The purpose table is well-formed and says what DESIGN.md says: defaults within ceilings, only
// levels the field supports, account fields shown everywhere, customer consent for the most
// sensitive reveals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_CATALOG } from '../../src/fields/catalog.js';
import { FIELD_NAMES, isFieldName, PURPOSES, type FieldName, type Purpose } from '../../src/fields/catalog-types.js';
import { isLevel, levelRank } from '../../src/fields/levels.js';
import { HIDDEN_RULE, PURPOSE_TABLE, purposeRule } from '../../src/fields/purposes.js';

const ACCOUNT_FIELDS: readonly FieldName[] = ['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt'];
const CONSENT_FIELDS: readonly FieldName[] = ['address', 'totalBalance', 'holdings', 'governmentId', 'kycDocuments'];
const cells = PURPOSES.flatMap((p) => FIELD_NAMES.map((f) => ({ p, f, r: purposeRule(p, f) })));

describe('PURPOSE_TABLE', () => {
  it('has an entry for every purpose and lists only known fields', () => {
    assert.deepEqual(Object.keys(PURPOSE_TABLE).sort(), [...PURPOSES].sort());
    for (const p of PURPOSES) for (const f of Object.keys(PURPOSE_TABLE[p])) assert.ok(isFieldName(f), `${p}.${f}`);
  });

  it('every default is at most its ceiling, and both are levels the field supports', () => {
    for (const { p, f, r } of cells) {
      assert.ok(isLevel(r.default) && isLevel(r.ceiling), `${p}.${f}`);
      assert.ok(levelRank(r.default) <= levelRank(r.ceiling), `${p}.${f}: default above ceiling`);
      assert.ok(FIELD_CATALOG[f].levels.includes(r.default), `${p}.${f}: default ${r.default} unsupported`);
      assert.ok(FIELD_CATALOG[f].levels.includes(r.ceiling), `${p}.${f}: ceiling ${r.ceiling} unsupported`);
      assert.ok(['supervisor', 'customer', 'supervisor_and_customer'].includes(r.approval), `${p}.${f}`);
    }
  });

  it('shows the account fields in full for every purpose', () => {
    for (const p of PURPOSES) for (const f of ACCOUNT_FIELDS) assert.equal(purposeRule(p, f).default, 'revealed', `${p}.${f}`);
  });

  it('needs customer consent to reveal address, balance, holdings, government ID and KYC documents', () => {
    for (const { p, f, r } of cells) {
      if (!CONSENT_FIELDS.includes(f) || r.ceiling !== 'revealed' || r.default === 'revealed') continue;
      assert.ok(r.approval === 'customer' || r.approval === 'supervisor_and_customer', `${p}.${f}: ${r.approval}`);
    }
    assert.equal(purposeRule('kyc_review', 'kycDocuments').approval, 'supervisor_and_customer');
  });

  it('needs a supervisor (and never only the customer) to raise any other field', () => {
    for (const { p, f, r } of cells) {
      if (CONSENT_FIELDS.includes(f) || r.ceiling === r.default) continue;
      assert.equal(r.approval, 'supervisor', `${p}.${f}`);
    }
  });

  it('never reveals a consent field by default', () => {
    for (const { p, f, r } of cells) if (CONSENT_FIELDS.includes(f)) assert.notEqual(r.default, 'revealed', `${p}.${f}`);
  });

  it('keeps identity masked or verify-only by default (name first + initial, DOB/address/ID verify-only)', () => {
    for (const p of PURPOSES) {
      for (const f of ['fullName', 'email', 'phone'] as const) assert.ok(levelRank(purposeRule(p, f).default) <= levelRank('masked'), `${p}.${f}`);
      if (p === 'fraud_investigation') continue;
      for (const f of ['dateOfBirth', 'address', 'governmentId'] as const) assert.ok(levelRank(purposeRule(p, f).default) <= levelRank('verify_only'), `${p}.${f}`);
    }
  });

  it('matches the purpose descriptions of the brief', () => {
    const rule = (p: Purpose, f: FieldName) => purposeRule(p, f);
    assert.deepEqual(rule('account_access', 'phone'), { default: 'masked', ceiling: 'revealed', approval: 'supervisor' });
    assert.equal(rule('account_access', 'twoFactorMethod').default, 'revealed');
    assert.equal(rule('account_access', 'lastLoginIp').default, 'masked');
    assert.equal(rule('withdrawal_issue', 'transactions').default, 'revealed');
    assert.deepEqual(rule('withdrawal_issue', 'withdrawalAllowlist'), { default: 'masked', ceiling: 'revealed', approval: 'supervisor' });
    assert.equal(rule('withdrawal_issue', 'totalBalance').default, 'banded');
    assert.equal(rule('deposit_missing', 'transactions').default, 'revealed');
    assert.deepEqual(rule('kyc_review', 'kycDocuments'), { default: 'masked', ceiling: 'revealed', approval: 'supervisor_and_customer' });
    assert.equal(rule('kyc_review', 'governmentId').default, 'verify_only');
    assert.equal(rule('account_closure', 'totalBalance').default, 'banded');
    assert.equal(rule('account_closure', 'bankAccounts').default, 'masked');
    assert.equal(rule('general_inquiry', 'transactions').default, 'hidden');
    assert.equal(rule('general_inquiry', 'totalBalance').ceiling, 'hidden');
  });

  it('gives general_inquiry the fewest fields and fraud_investigation the highest ceilings', () => {
    const visible = (p: Purpose) => FIELD_NAMES.filter((f) => purposeRule(p, f).ceiling !== 'hidden').length;
    for (const p of PURPOSES) assert.ok(visible('general_inquiry') <= visible(p), p);
    for (const { f, r } of cells) assert.ok(levelRank(purposeRule('fraud_investigation', f).ceiling) >= levelRank(r.ceiling), f);
  });

  it('isLevel accepts exactly the five levels (levels read back from the log are checked with it)', () => {
    for (const l of ['hidden', 'verify_only', 'masked', 'banded', 'revealed']) assert.equal(isLevel(l), true, l);
    for (const bad of ['Revealed', 'revealed ', '', 'toString', '__proto__', 'constructor', 'full', 4, null, undefined, ['masked'], { level: 'masked' }]) {
      assert.equal(isLevel(bad), false, JSON.stringify(bad));
    }
  });

  it('answers hidden/hidden/supervisor for an unlisted field', () => {
    assert.deepEqual(purposeRule('general_inquiry', 'governmentId'), { default: 'hidden', ceiling: 'hidden', approval: 'supervisor' });
    assert.equal(purposeRule('general_inquiry', 'holdings'), HIDDEN_RULE);
    assert.equal(purposeRule('constructor' as Purpose, 'email'), HIDDEN_RULE);
    assert.equal(purposeRule('kyc_review', 'toString' as FieldName), HIDDEN_RULE);
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(PURPOSE_TABLE));
    for (const p of PURPOSES) assert.ok(Object.isFrozen(PURPOSE_TABLE[p]), p);
    assert.throws(() => { (purposeRule('kyc_review', 'email') as { default: string }).default = 'revealed'; }, TypeError);
  });
});
