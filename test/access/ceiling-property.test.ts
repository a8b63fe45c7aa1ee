// Property: for random agents, tickets and request sequences through the real broker, no field
// ever renders above its purpose ceiling, nothing rises above the default without a grant, and
// hidden or verify-only fields never carry a value.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadAgent } from '../../src/access/agents.js';
import { FIELD_NAMES } from '../../src/fields/catalog-types.js';
import { levelRank } from '../../src/fields/levels.js';
import { purposeRule } from '../../src/fields/purposes.js';
import type { Purpose } from '../../src/fields/catalog-types.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('no field above its purpose ceiling (property, PGlite)', () => {
  let h: Harness;
  let tickets: { id: string; purpose: string; assignee_id: string | null }[];
  before(async () => {
    h = await startHarness(DATABASES[0] as (typeof DATABASES)[number]);
    tickets = await h.rt.db.selectFrom('tickets').select(['id', 'purpose', 'assignee_id']).orderBy('id').execute();
  });
  after(async () => h.close());

  it('holds for random viewers, tickets, reveal requests and approvals', async () => {
    const staff = h.staff.map((s) => s.id);
    const step = fc.record({
      ticket: fc.nat({ max: tickets.length - 1 }),
      viewer: fc.oneof(fc.constant('assignee'), fc.constantFrom(...staff)),
      reveal: fc.subarray([...FIELD_NAMES], { maxLength: 5 }),
      approver: fc.constantFrom(...staff),
      approve: fc.boolean(),
    });
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
      for (const s of steps) {
        const t = tickets[s.ticket] as (typeof tickets)[number];
        const viewerId = s.viewer === 'assignee' ? (t.assignee_id as string) : s.viewer;
        const agent = await loadAgent(h.rt.db, viewerId);
        if (!agent || agent.status !== 'active') continue;
        const ctx = { agent, requestId: `req_prop_${n++}` };
        if (s.reveal.length > 0) {
          const req = await h.rt.broker.requestReveal(ctx, t.id, s.reveal, 'property test reason').catch(() => undefined);
          const approver = await loadAgent(h.rt.db, s.approver);
          if (req && approver && s.approve) {
            await h.rt.broker.decideReveal({ agent: approver, requestId: `req_prop_${n++}` }, req.id, 'approve').catch(() => undefined);
          }
        }
        const view = await h.rt.broker.view(ctx, t.id).catch(() => undefined);
        if (!view) continue;
        assert.equal(t.assignee_id, agent.id, 'only the assignee sees a customer');
        for (const f of view.fields) {
          const rule = purposeRule(t.purpose as Purpose, f.name);
          assert.ok(levelRank(f.level) <= levelRank(rule.ceiling), `${f.name} ${f.level} above ceiling ${rule.ceiling}`);
          if (levelRank(f.level) > levelRank(rule.default)) assert.ok(view.grantsUsed.length > 0, `${f.name} above default without a grant`);
          if (f.level === 'hidden' || f.level === 'verify_only') assert.equal(f.value, null);
        }
      }
    }), { numRuns: 40 });
  });
});
