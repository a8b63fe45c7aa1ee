// Exposure from audit records (the heart of the blast radius) against a naive oracle, and the
// pure rules around it: protective measures and advice by exposure, plain words, CSV cells.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { blastRadiusCsv, csvCell } from '../../src/incident/blast-export.js';
import { blastTotals } from '../../src/incident/blast-totals.js';
import { computeExposure, EXISTENCE, exposuresOf, type ExposureScope, type LoggedRecord } from '../../src/incident/exposure.js';
import { LEVEL_EXAMPLES, seenLine } from '../../src/incident/plain-words.js';
import { FIELD_CATALOG } from '../../src/fields/catalog.js';
import { adviceTopics, protectionBasis } from '../../src/incident/protection-rules.js';
import { LEVELS, levelRank, type Level } from '../../src/fields/levels.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import type { BlastRadius } from '../../src/incident/blast-radius.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const rec = (over: Partial<AuditRecord>): AuditRecord => ({
  v: 1, time: new Date(T0).toISOString(), requestId: 'r', action: 'view', agentId: 'a1', customerId: 'c1', ticketId: 't', decision: 'allow',
  fields: {}, policyIds: [], reason: null, details: {}, ...over,
});
const scope: ExposureScope = { agentIds: ['a1', 'a2'], since: new Date(T0 + 60_000).toISOString(), until: new Date(T0 + 100 * 60_000).toISOString() };

describe('exposure', () => {
  it('a view shows its listed fields above hidden; a verify shows verify_only; a lookup shows existence; denials and grant uses nothing', () => {
    assert.deepEqual(exposuresOf(rec({ fields: { email: 'masked', phone: 'hidden', dateOfBirth: 'verify_only' } })), [['email', 'masked'], ['dateOfBirth', 'verify_only']]);
    assert.deepEqual(exposuresOf(rec({ action: 'verify', fields: { address: 'verify_only' } })), [['address', 'verify_only']]);
    assert.deepEqual(exposuresOf(rec({ action: 'lookup' })), [[EXISTENCE, 'revealed']]);
    assert.deepEqual(exposuresOf(rec({ decision: 'deny', fields: { email: 'masked' } })), []);
    // Levels read back from the log are checked: an unknown level exposes nothing rather than being trusted.
    assert.deepEqual(exposuresOf(rec({ fields: { email: 'full', phone: 'Revealed', address: 'toString', name: 'masked' } })), [['name', 'masked']]);
    assert.deepEqual(exposuresOf(rec({ action: 'grant_use', fields: { phone: 'revealed' } })), []);
    assert.deepEqual(exposuresOf(rec({ customerId: null, fields: { email: 'masked' } })), []);
    assert.deepEqual(exposuresOf(rec({ fields: { email: 'shown' } })), [], 'an unknown level is not a level');
  });

  it('equals a naive recomputation over random records (agents, times, actions, decisions, levels)', () => {
    const field = fc.constantFrom('email', 'phone', 'totalBalance', 'address', 'dateOfBirth');
    const record = fc.record({
      action: fc.constantFrom('view', 'verify', 'lookup', 'grant_use', 'ticket_open') as fc.Arbitrary<AuditRecord['action']>,
      agentId: fc.constantFrom('a1', 'a2', 'a3'), customerId: fc.constantFrom('c1', 'c2', 'c3', 'c4'),
      decision: fc.constantFrom('allow', 'allow', 'deny') as fc.Arbitrary<'allow' | 'deny'>, minute: fc.integer({ min: 0, max: 120 }),
      fields: fc.dictionary(field, fc.constantFrom(...LEVELS)),
    });
    fc.assert(fc.property(fc.array(record, { maxLength: 60 }), (rs) => {
      const records: LoggedRecord[] = rs.map((r, seq) => ({ seq: seq * 3, record: rec({ ...r, time: new Date(T0 + r.minute * 60_000).toISOString() }) }));
      const oracle = new Map<string, Map<string, { level: Level; count: number; firstAt: string; lastAt: string }>>();
      for (const { record: r } of records) {
        const t = Date.parse(r.time);
        if (!['a1', 'a2'].includes(r.agentId!) || t < T0 + 60_000 || t > T0 + 100 * 60_000 || r.decision !== 'allow') continue;
        const shown: [string, Level][] = r.action === 'view' ? Object.entries(r.fields).filter(([, l]) => l !== 'hidden') as [string, Level][]
          : r.action === 'verify' ? Object.keys(r.fields).map((f) => [f, 'verify_only']) : r.action === 'lookup' ? [[EXISTENCE, 'revealed']] : [];
        if (shown.length === 0) continue;
        const c = oracle.get(r.customerId!) ?? new Map();
        oracle.set(r.customerId!, c);
        for (const [f, l] of shown) {
          const x = c.get(f);
          c.set(f, x ? { level: levelRank(l) > levelRank(x.level) ? l : x.level, count: x.count + 1, firstAt: x.firstAt, lastAt: r.time } : { level: l, count: 1, firstAt: r.time, lastAt: r.time });
        }
      }
      const got = new Map(computeExposure(records, scope).map((c) => [c.customerId, new Map(c.fields.map((f) => [f.field, { level: f.level, count: f.count, firstAt: f.firstAt, lastAt: f.lastAt }]))]));
      assert.deepEqual(got, oracle);
    }), { numRuns: 200 });
  });

  it('needs records in ascending sequence order', () => {
    assert.throws(() => computeExposure([{ seq: 5, record: rec({}) }, { seq: 5, record: rec({}) }], scope), RangeError);
  });
});

describe('measures and advice by exposure', () => {
  it('the banner for any exposure; the cool-down for contact details or money; re-verification for identity answers', () => {
    const onlyExists = protectionBasis({ fields: { existence: 'revealed', dateOfBirth: 'verify_only' }, highBalance: false });
    assert.ok(onlyExists.never_call_banner.length > 0);
    assert.deepEqual(onlyExists.withdrawal_cooldown, []);
    assert.deepEqual(onlyExists.reverification, []);
    assert.deepEqual(protectionBasis({ fields: { existence: 'revealed' }, highBalance: true }).withdrawal_cooldown, ['tier:high_balance']);
    const seen = protectionBasis({ fields: { email: 'masked', address: 'masked', phone: 'revealed' }, highBalance: false });
    assert.deepEqual(seen.withdrawal_cooldown, ['email:masked', 'phone:revealed', 'address:masked']);
    assert.deepEqual(seen.reverification, ['address:masked', 'phone:revealed']);
    assert.deepEqual(protectionBasis({ fields: {}, highBalance: true }).withdrawal_cooldown, []);
  });

  it('advice follows what was seen', () => {
    assert.deepEqual(adviceTopics({ fields: { existence: 'revealed' }, highBalance: false }), ['impersonation']);
    assert.deepEqual(adviceTopics({ fields: { phone: 'masked', email: 'masked', totalBalance: 'banded', address: 'masked', governmentId: 'masked', bankAccounts: 'masked' }, highBalance: false }),
      ['impersonation', 'sim_swap', 'phishing', 'physical_safety', 'physical_security', 'identity_theft', 'bank_fraud']);
    assert.deepEqual(adviceTopics({ fields: { phone: 'verify_only' }, highBalance: false }), ['impersonation']);
  });

  it('says in plain words what was seen', () => {
    assert.equal(seenLine({ field: 'phone', level: 'masked', count: 3, firstAt: '2026-01-05T09:00:00.000Z', lastAt: '2026-01-05T10:12:00.000Z' }),
      'your phone number: partly hidden (for example +•• ••• •••• ••42); 3 times, between 2026-01-05 09:00 UTC and 2026-01-05 10:12 UTC');
    // Each field's own example (issue 14 item 6): the phone line is not illustrated by an e-mail mask.
    assert.match(seenLine({ field: 'email', level: 'masked', count: 1, firstAt: '2026-01-05T09:00:00.000Z', lastAt: '2026-01-05T09:00:00.000Z' }), /j\*\*\*@g\*\*\*\.com/);
    assert.doesNotMatch(seenLine({ field: 'dateOfBirth', level: 'masked', count: 1, firstAt: '2026-01-05T09:00:00.000Z', lastAt: '2026-01-05T09:00:00.000Z' }), /@/);
    // A plain account attribute shown to every agent is not "in full" like a sensitive value.
    assert.match(seenLine({ field: 'tier', level: 'revealed', count: 1, firstAt: '2026-01-05T09:00:00.000Z', lastAt: '2026-01-05T09:00:00.000Z' }), /your account tier: shown \(not sensitive on its own\)/);
    assert.match(seenLine({ field: EXISTENCE, level: 'revealed', count: 1, firstAt: '2026-01-05T09:00:00.000Z', lastAt: '2026-01-05T09:00:00.000Z' }), /^that you are our customer \(looked up once/);
  });

  it('gives each field its own example or none (issue 19: not the e-mail example for every masked field)', () => {
    const at = '2026-01-05T09:00:00.000Z';
    const line = (field: string, level: 'masked' | 'banded') => seenLine({ field, level, count: 1, firstAt: at, lastAt: at });
    assert.match(line('email', 'masked'), /partly hidden \(for example j\*\*\*@g\*\*\*\.com\)/);
    assert.match(line('fullName', 'masked'), /partly hidden \(for example Jane D\.\)/);
    assert.match(line('totalBalance', 'banded'), /as a range, not the exact amount \(for example \$10k–\$100k\)/);
    assert.match(line('transactions', 'masked'), /: partly hidden; once/); // no example rather than a wrong one
    for (const [level, examples] of Object.entries(LEVEL_EXAMPLES)) {
      for (const field of Object.keys(examples ?? {})) {
        assert.ok(FIELD_CATALOG[field as keyof typeof FIELD_CATALOG]?.levels.includes(level as never), `${field} has no ${level} level`);
        if (field !== 'email') assert.doesNotMatch(line(field, level as 'masked'), /@/);
      }
    }
  });
});

describe('blast radius exports', () => {
  it('CSV cells are quoted and never start a formula', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('-1'), "'-1");
  });

  it('one CSV row per customer and field, and totals by level count each customer once at their highest', () => {
    const customers = [
      { customerId: 'c1', accountId: 'KX-1', jurisdiction: 'DE', tier: 'vip', highBalance: true, seqs: [1, 4], firstAt: 'a', lastAt: 'b', agents: ['a1'],
        fields: [{ field: 'email', level: 'masked' as const, count: 2, firstAt: 'a', lastAt: 'b', seqs: [1, 4] }, { field: 'phone', level: 'revealed' as const, count: 1, firstAt: 'b', lastAt: 'b', seqs: [4] }] },
      { customerId: 'c2', accountId: 'KX-2', jurisdiction: 'FR', tier: 'standard', highBalance: false, seqs: [2], firstAt: 'a', lastAt: 'a', agents: ['a1'],
        fields: [{ field: 'email', level: 'masked' as const, count: 1, firstAt: 'a', lastAt: 'a', seqs: [2] }] },
    ];
    const totals = blastTotals(customers);
    assert.equal(totals.records, 3);
    assert.deepEqual(totals.byField.email, { customers: 2, count: 3, byLevel: { masked: 2 } });
    assert.deepEqual(totals.byLevel.revealed, { customers: 1, fields: 1 });
    assert.deepEqual(totals.byLevel.masked, { customers: 1, fields: 2 });
    assert.deepEqual(totals.highBalance, { customers: 1, byField: { email: 1, phone: 1 } });
    const csv = blastRadiusCsv({ customers, totals } as unknown as BlastRadius).trimEnd().split('\r\n');
    assert.equal(csv.length, 4);
    assert.equal(csv[1], 'c1,KX-1,DE,vip,true,email,masked,2,a,b,1 4');
  });
});
