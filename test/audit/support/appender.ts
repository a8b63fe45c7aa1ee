// One "Keyhole server" for the multi-server test: opens a runtime on the PostgreSQL database
// of KEYHOLE_TEST_DB, runs an integrator (leader election by session advisory lock), appends
// APPEND_COUNT records through appendAudit, each in its own transaction, and prints
// `ack <requestId>` after each commit. Prints `leader true|false`, `batch <from> <to>` inside
// each batch transaction (which then pauses BATCH_PAUSE_MS before committing, so the parent can
// kill it mid-batch), `done` when all are acknowledged; exits when stdin closes.
import type { Kysely } from 'kysely';
import { appendAudit } from '../../../src/audit/append.js';
import { Integrator } from '../../../src/audit/integrator.js';
import type { AuditTables } from '../../../src/audit/tables.js';
import { createRuntime } from '../../../src/server/runtime.js';
import { makeRecord } from './log-fixture.js';

const count = Number(process.env.APPEND_COUNT ?? 100);
const tag = process.env.APPEND_TAG ?? 'x';
const pauseMs = Number(process.env.BATCH_PAUSE_MS ?? 100);
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { KEYHOLE_MASTER_KEY: process.env.KEYHOLE_MASTER_KEY };

const rt = await createRuntime({ databaseUrl: process.env.KEYHOLE_TEST_DB, dataDir: ':memory:', integrate: false, env, poolSize: 4 });
const integrator = await Integrator.open(rt.store, rt.keys, {
  env, intervalMs: 50, followerPollMs: 100,
  onLeadership: (leader) => say(`leader ${leader}`),
  beforeCommit: async (b) => {
    say(`batch ${b.fromSize} ${b.newSize}`);
    await sleep(pauseMs);
  },
});
integrator.start();
const db = rt.db as unknown as Kysely<AuditTables>;
say('ready');
for (let i = 0; i < count; i++) {
  const r = makeRecord(i, tag);
  await db.transaction().execute((trx) => appendAudit(trx, r));
  say(`ack ${r.requestId}`);
  if (i % 10 === 0) await sleep(5);
}
say('done');
process.stdin.resume();
process.stdin.on('end', async () => {
  await integrator.stop();
  await rt.close();
  process.exit(0);
});
