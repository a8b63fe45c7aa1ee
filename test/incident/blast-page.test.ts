// One page of a blast radius (src/incident/blast-page.ts) over 70,000 customers: the page is cut
// and filtered on the server, the totals stay those of all, and the filter is plain text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlastCustomer, BlastRadius } from '../../src/incident/blast-radius.js';
import { blastRadiusPage } from '../../src/incident/blast-page.js';
import { blastTotals } from '../../src/incident/blast-totals.js';

function customer(i: number): BlastCustomer {
  const at = new Date(Date.UTC(2026, 0, 5, 9, 0, i % 60)).toISOString();
  const field = i % 3 === 0 ? 'phone' : 'email';
  return {
    customerId: `cus_${String(i).padStart(6, '0')}`, accountId: `ACC-${i}`, jurisdiction: i % 2 ? 'DE' : 'FR', tier: i % 10 === 0 ? 'vip' : 'retail',
    highBalance: i % 10 === 0, erasedAt: null, fields: [{ field, level: 'masked', count: 1, firstAt: at, lastAt: at, seqs: [i] }],
    seqs: [i], firstAt: at, lastAt: at, agents: ['agt_x'],
  } as BlastCustomer;
}

const customers = Array.from({ length: 70_000 }, (_, i) => customer(i));
const blast: BlastRadius = {
  incidentId: 'inc_big', scope: { agentIds: ['agt_x'], since: null, until: '2026-01-06T00:00:00.000Z' } as BlastRadius['scope'],
  log: { size: 70_000, checkpoint: null }, computedAt: '2026-01-06T00:00:00.000Z', unsequenced: 0, customers, totals: blastTotals(customers),
};

test('a page of 100 out of 70,000 customers, in order, with the totals of all', () => {
  const p = blastRadiusPage(blast, { offset: 69_950, limit: 100 });
  assert.equal(p.customers.length, 50);
  assert.equal(p.customers[0]!.customerId, 'cus_069950');
  assert.deepEqual(p.page, { offset: 69_950, limit: 100, q: '', matching: 70_000 });
  assert.equal(p.totals.customers, 70_000);
  assert.ok(JSON.stringify(blastRadiusPage(blast, { offset: 0, limit: 100 })).length < 100_000, 'a page stays small on the wire');
});

test('the filter matches ids, jurisdictions, tiers and fields case-insensitively, as plain text', () => {
  assert.equal(blastRadiusPage(blast, { offset: 0, limit: 10, q: ' CUS_012345 ' }).customers[0]!.customerId, 'cus_012345');
  assert.equal(blastRadiusPage(blast, { offset: 0, limit: 10, q: 'vip' }).page.matching, 7_000);
  assert.equal(blastRadiusPage(blast, { offset: 0, limit: 10, q: 'phone' }).page.matching, 23_334);
  assert.equal(blastRadiusPage(blast, { offset: 0, limit: 10, q: '.*' }).page.matching, 0, 'a pattern is not a pattern');
});
