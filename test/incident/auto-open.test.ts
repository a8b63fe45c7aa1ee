// A detector's containment opens an incident on its own (source 'detector'), once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from '../detect/harness.js';

describe('incidents follow automatic containment (PGlite)', () => {
  let h: DetectHarness;
  before(async () => {
    h = await startDetectHarness(DATABASES[0] as (typeof DATABASES)[number]);
  });
  after(async () => h.close());

  it('a decoy lookup contains the agent and opens exactly one detector incident for them', async () => {
    const agent = 'agt_008';
    const cookie = await h.login(agent);
    const decoy = await h.rt.db.selectFrom('customers').select(['account_id']).where('is_decoy', '=', true).orderBy('id').executeTakeFirstOrThrow();
    const r = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { accountId: decoy.account_id } });
    assert.equal(r.statusCode, 403);
    const db = h.rt.store.db;
    let incidents: { agent_ids: string[]; source: string; containment_id: string | null }[] = [];
    for (let i = 0; i < 100 && incidents.length === 0; i++) {
      incidents = await db.selectFrom('incidents').select(['agent_ids', 'source', 'containment_id']).where('source', '=', 'detector').execute();
      if (incidents.length === 0) await new Promise((res) => setTimeout(res, 50));
    }
    const mine = incidents.filter((x) => x.agent_ids.includes(agent));
    assert.equal(mine.length, 1);
    assert.ok(mine[0]?.containment_id);
    await h.detect();
    const again = await db.selectFrom('incidents').select('id').where('source', '=', 'detector').execute();
    assert.equal(again.length, incidents.length, 'no second incident for the same containment');
  });
});
