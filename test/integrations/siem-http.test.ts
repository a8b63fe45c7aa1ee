// Audit out over HTTP (issue 12 item 3): the NDJSON and Splunk HEC sinks against HTTP peers on
// 127.0.0.1 (a failing peer is retried with backoff, in order, from the durable cursor), the
// OCSF mapping of every action, and `keyhole export audit` in its three formats.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { appendAudit } from '../../src/audit/append.js';
import { exportAudit } from '../../src/integrations/siem/export.js';
import { HttpSink } from '../../src/integrations/siem/http-sink.js';
import { ACTION_MAPPING, ocsfFromLog } from '../../src/integrations/siem/ocsf.js';
import { SiemShipper, siemLag } from '../../src/integrations/siem/shipper.js';
import type { IntegrationDb } from '../../src/integrations/tables.js';
import { AUDIT_ACTIONS, type AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

interface Received { headers: IncomingHttpHeaders; body: string }
function peer(fail: () => boolean): Promise<{ server: Server; got: Received[]; url: string }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (fail()) return void res.writeHead(503).end('{"text":"Server is busy","code":9}');
      got.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, got, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe('OCSF mapping', () => {
  it('maps every audit action to a valid OCSF event with the log index and leaf hash (actions added later: API Activity, Other)', () => {
    for (const action of ['view', 'verify', 'lookup', 'ticket_open', 'agent_suspend', 'token_create', 'incident_open', 'customer_upsert', 'log_read', 'sign_in', 'key_rotate']) {
      assert.ok(ACTION_MAPPING[action], `${action} has an OCSF class`);
    }
    for (const action of [...AUDIT_ACTIONS, 'some_future_action']) {
      const rec = { v: 1, time: '2026-01-05T09:00:00.000Z', requestId: 'req_1', action, agentId: 'agt_1', customerId: 'cus_1', ticketId: null, decision: 'allow', fields: { email: 'masked' }, policyIds: [], reason: null, details: {} } as AuditRecord;
      const e = ocsfFromLog({ seq: 7, entry: JSON.stringify(rec), leafHash: new Uint8Array(32).fill(1) });
      assert.equal(e.type_uid, (e.class_uid as number) * 100 + (e.activity_id as number));
      assert.equal((e.metadata as { sequence: number }).sequence, 7);
      assert.equal((e.unmapped as { keyhole: { leaf_hash: string } }).keyhole.leaf_hash, '01'.repeat(32));
      assert.equal(e.time, Date.parse(rec.time));
    }
    assert.equal(ACTION_MAPPING.view![0].uid, 6005);
    assert.equal(ACTION_MAPPING.agent_suspend![0].uid, 3001);
  });
});

for (const backend of DATABASES) {
  describe(`SIEM over HTTP and audit export (${backend.name})`, () => {
    let h: Harness;
    let db: IntegrationDb;
    before(async () => {
      h = await startHarness(backend);
      db = h.rt.db as unknown as IntegrationDb;
      await h.rt.db.transaction().execute(async (trx) => {
        for (let k = 0; k < 30; k++) {
          await appendAudit(trx as never, { v: 1, time: new Date(h.clock.now().getTime() + k * 1000).toISOString(), requestId: `req_${k}`, action: 'view', agentId: 'agt_x', customerId: 'cus_y', ticketId: 't,1', decision: 'allow', fields: { email: 'masked' }, policyIds: [], reason: k === 3 ? '=HYPERLINK("x")' : null, details: {} });
        }
      });
      await h.rt.integrator.drain();
    });
    after(() => h.close());
    const end = async () => Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m) + 1;

    it('NDJSON: the whole log in order, one OCSF event a line; lag drops to 0', async () => {
      const p = await peer(() => false);
      try {
        const shipper = new SiemShipper(db, new HttpSink('lake', { url: `${p.url}/ingest`, format: 'ndjson', headers: { authorization: 'Bearer lake-token' } }), h.clock, { batchSize: 7 });
        while ((await shipper.shipOnce()) > 0);
        const events = p.got.flatMap((g) => g.body.trim().split('\n').map((l) => JSON.parse(l)));
        assert.deepEqual(events.map((e) => e.metadata.sequence), Array.from({ length: await end() }, (_, i) => i));
        assert.equal(p.got[0]!.headers['content-type'], 'application/x-ndjson');
        assert.equal(p.got[0]!.headers.authorization, 'Bearer lake-token');
        assert.deepEqual((await siemLag(db)).find((l) => l.sink === 'lake')?.lag, 0);
      } finally {
        p.server.close();
      }
    });

    it('Splunk HEC: a busy collector is retried with backoff, and nothing is skipped or reordered', async () => {
      let calls = 0;
      const p = await peer(() => ++calls <= 2);
      try {
        const errors: unknown[] = [];
        const shipper = new SiemShipper(db, new HttpSink('splunk', { url: `${p.url}/services/collector/event`, format: 'splunk_hec', token: 'hec-token' }), h.clock, { batchSize: 50, pollMs: 20, onError: (e) => errors.push(e) });
        shipper.start();
        const total = await end();
        const deadline = Date.now() + 60_000;
        while ((await siemLag(db)).find((l) => l.sink === 'splunk')?.lag !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await shipper.stop();
        assert.equal(errors.length, 2, 'two refusals, then delivered');
        const events = p.got.flatMap((g) => g.body.split('\n').map((l) => JSON.parse(l)));
        assert.deepEqual(events.map((e) => e.event.metadata.sequence), Array.from({ length: total }, (_, i) => i));
        assert.equal(events[0].sourcetype, 'ocsf:keyhole');
        assert.equal(typeof events[0].time, 'number');
        assert.equal(p.got[0]!.headers.authorization, 'Splunk hec-token');
      } finally {
        p.server.close();
      }
    });

    it('export audit: OCSF, JSON lines and CSV (formula cells quoted) of a window, recorded as log_read', async () => {
      const since = h.clock.now();
      const until = new Date(since.getTime() + 10_000);
      const collect = async (format: 'ocsf' | 'jsonl' | 'csv') => {
        const out = new PassThrough();
        let text = '';
        out.on('data', (c: Buffer) => { text += c.toString(); });
        const n = await exportAudit(db, h.clock, { since, until, format }, out, 'tester');
        return { n, text };
      };
      const ocsf = await collect('ocsf');
      assert.equal(ocsf.n, 10);
      assert.ok(ocsf.text.trim().split('\n').every((l) => JSON.parse(l).class_uid === 6005));
      const jsonl = await collect('jsonl');
      const first = JSON.parse(jsonl.text.split('\n')[0]!);
      assert.equal(first.record.action, 'view');
      assert.match(first.leafHash, /^[0-9a-f]{64}$/);
      const csv = await collect('csv');
      const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
      assert.equal(rows.length, 10);
      assert.equal(rows[0]!.ticket_id, 't,1');
      assert.ok(csv.text.includes('"=HYPERLINK(""x"")"'));
      const reads = await db.selectFrom('audit_pending').select('entry').execute();
      assert.equal(reads.map((r) => r.entry as unknown as AuditRecord).filter((r) => r.action === 'log_read' && r.details.what === 'export').length, 3);
    });
  });
}
