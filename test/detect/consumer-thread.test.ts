// The detectors off the request event loop (issue 13, KEYHOLE_DETECT_WORKER=1): on PostgreSQL
// the log consumer runs in a worker thread; it consumes what the integrator sequences, and its
// alerts reach the server's events (the dashboard) as the in-process consumer's do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DATABASES } from '../support/databases.js';
import { startHarness, TEST_DEMO, type Harness } from '../support/harness.js';
import { loadAgent } from '../../src/access/agents.js';
import type { BrokerEvent } from '../../src/access/events.js';
import { isKeyholeError } from '../../src/shared/errors.js';

const backend = DATABASES.find((d) => d.name === 'postgres');

describe('detector consumer in a worker thread', { skip: backend ? false : 'KEYHOLE_TEST_DATABASE_URL not set' }, () => {
  let h: Harness;
  const events: BrokerEvent[] = [];
  before(async () => {
    h = await startHarness(backend!, { ...TEST_DEMO, decoys: 2 }, {
      integrate: true, env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), KEYHOLE_DETECT_WORKER: '1' },
    });
    h.rt.events.subscribe((e) => events.push(e));
  });
  after(async () => h?.close());

  it('consumes the log and publishes a decoy alert on the server\'s events', async () => {
    const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null).orderBy('id').limit(1).executeTakeFirstOrThrow();
    const agent = await loadAgent(h.rt.db, t.assignee_id as string);
    assert.ok(agent);
    await h.rt.broker.view({ agent, requestId: 'req_thread_view' }, t.id);
    const decoy = await h.rt.db.selectFrom('customers').select('account_id').where('is_decoy', '=', true).limit(1).executeTakeFirstOrThrow();
    await assert.rejects(h.rt.broker.lookup({ agent, requestId: 'req_thread_decoy' }, { accountId: decoy.account_id }, { purpose: 'general_inquiry', channel: 'phone', subject: 'x' }),
      (e) => isKeyholeError(e));
    const deadline = Date.now() + 60_000;
    while (!events.some((e) => e.type === 'detect_alert' && e.agentId === agent.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const alert = events.find((e) => e.type === 'detect_alert' && e.agentId === agent.id);
    assert.ok(alert, 'no detect_alert reached the server events');
    const off = await h.rt.db.selectFrom('detect_offsets' as never).select('last_seq' as never).executeTakeFirst() as { last_seq: number } | undefined;
    assert.ok(off && off.last_seq >= 1);
  });
});
