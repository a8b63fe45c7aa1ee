// The binding of a step-up (issue 11 item 3), property-tested on the real database: a step-up
// made for one action on one target authorizes exactly that action on exactly that target,
// once, before it expires — for any pair of actions and targets, and for no other agent.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Agent } from '../../src/access/model.js';
import { consumeStepUp, STEP_UP_ACTIONS, type StepUpDeps } from '../../src/identity/step-up.js';
import type { IdentityDb } from '../../src/identity/tables.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('step-up binding (property)', () => {
  let h: Harness;
  let deps: StepUpDeps;
  before(async () => {
    h = await startHarness(DATABASES.find((d) => d.name === 'pglite')!);
    deps = { db: h.rt.db, clock: h.clock, events: h.rt.events, rp: { rpId: 'localhost', rpName: 'Keyhole', origins: ['http://localhost:8080'] } };
  });
  after(() => h.close());

  it('authorizes exactly its own action, target and agent, once, within its lifetime', async () => {
    const [a, b] = h.staff.filter((s) => s.role === 'security').concat(h.staff.filter((s) => s.role === 'supervisor')).slice(0, 2) as [Agent, Agent];
    const db = h.rt.db as unknown as IdentityDb;
    await db.insertInto('staff_credentials').values({ id: 'cred-prop', agent_id: a.id, name: 'k', public_key: Buffer.alloc(1), counter: 0, transports: [], created_at: h.clock.now(), last_used_at: null }).execute();
    const action = fc.constantFrom(...STEP_UP_ACTIONS);
    const target = fc.constantFrom('agt_1', 'agt_2', 'rr_1', 'new');
    await fc.assert(fc.asyncProperty(action, target, action, target, fc.boolean(), fc.integer({ min: -60, max: 60 }), async (madeFor, madeOn, usedFor, usedOn, sameAgent, expiresInS) => {
      const token = `su_${randomBytes(32).toString('base64url')}`;
      const now = h.clock.now();
      await db.insertInto('staff_step_ups').values({
        token_hash: createHash('sha256').update(token).digest(), agent_id: a.id, action: madeFor, target: madeOn, credential_id: 'cred-prop',
        created_at: now, expires_at: new Date(now.getTime() + expiresInS * 1000), used_at: null,
      }).execute();
      const who = sameAgent ? a : b;
      const valid = madeFor === usedFor && madeOn === usedOn && sameAgent && expiresInS > 0;
      const attempt = () => consumeStepUp(deps, who, usedFor, usedOn, token, `req_${randomBytes(4).toString('hex')}`, undefined);
      if (valid) {
        await attempt();
        await assert.rejects(attempt(), (e) => isKeyholeError(e, 'STEP_UP_INVALID'), 'single use');
      } else {
        await assert.rejects(attempt(), (e) => isKeyholeError(e, 'STEP_UP_INVALID'));
      }
    }), { numRuns: 150 });
  });
});
