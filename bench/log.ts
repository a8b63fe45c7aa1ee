// npm run bench:log — the transparency log on PostgreSQL (a database of its own, dropped after):
// 1. concurrent writers append records through appendAudit, each in its own transaction, while
//    the integrator (elected leader) sequences them and signs a checkpoint per batch: sustained
//    appends/s to a signed checkpoint and append→checkpoint latency (p50/p99); the same writers
//    doing plain INSERTs of the same rows into an unindexed jsonb table are the baseline; the
//    same again with 8 records per writer transaction; and the integrator's capacity on a
//    pre-filled queue.
// 2. inclusion-proof latency at 1,000,000 entries: leaf hashes of synthetic entries are
//    integrated in memory with the shared integrate() (batches of 65,536) and the resulting
//    tiles inserted into tlog_tiles with a signed checkpoint (no audit_log rows: a proof by index
//    reads only the checkpoint and the tiles), then LogReader.inclusionProof is timed.
// 3. the same writers through group commit (src/audit/group-commit.ts, what KEYHOLE_GROUP_COMMIT=1
//    turns on, built by groupCommitFromEnv as the server builds it, so with the product's
//    defaults unless KEYHOLE_GROUP_COMMIT_LANES/_MAX_BATCH/_WAIT_MS are set): each writer's
//    transaction is a unit of the commit queue running appendAudit, the path audited() takes;
//    this is `appends_per_s` and `checkpoint_p99_ms`; the one-commit-per-append figures stay in
//    `appends_per_s_direct`.
// Run alone; it runs BENCH_RUNS times (3) back to back and reports the run of median
// appends_per_s. Records the load average before it starts.
// Tiny check: BENCH_RUNS=1 BENCH_DURATION_S=1 BENCH_PROOF_SIZE=70000 BENCH_CAPACITY=5000 npm run bench:log
// BENCH_PARTS=group,queue,direct,baseline,batched,capacity,proofs (any subset, comma-separated)
// runs only those parts and then writes no results file.
// Writes bench/results/log.json.
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../src/audit/append.js';
import { groupCommitFromEnv } from '../src/audit/group-commit-config.js';
import { insertCheckpoint, latestCheckpoint } from '../src/audit/checkpoint-store.js';
import { Integrator } from '../src/audit/integrator.js';
import { proofLogReader } from '../src/audit/log-reader.js';
import { openLogIdentity, type LogIdentity } from '../src/audit/log-identity.js';
import type { AuditTables } from '../src/audit/tables.js';
import { writeTiles } from '../src/audit/tile-store.js';
import type { AuditRecord } from '../src/shared/audit-entry.js';
import { signCheckpoint } from '../src/shared/tlog/checkpoint.js';
import { integrate } from '../src/shared/tlog/integrate.js';
import { verifyInclusion } from '../src/shared/tlog/proof-verify.js';
import type { Tile, TileData, TileReader } from '../src/shared/tlog/tiles.js';
import { openStore, type Store } from '../src/store/store.js';
import { MasterKeyProvider } from '../src/vault/master-key-provider.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import { pct, timeProofs } from './proof-timing.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 32);
const PROOF_SIZE = Number(process.env.BENCH_PROOF_SIZE ?? 1_000_000);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 200_000);
const ALL_PARTS = ['group', 'queue', 'direct', 'baseline', 'batched', 'capacity', 'proofs'] as const;
const PARTS = new Set((process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(',').map((p) => p.trim()));
const COMPLETE = ALL_PARTS.every((p) => PARTS.has(p));
const ADMIN = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const round = (x: number, d = 1) => Number(x.toFixed(d));
let serial = 0;
const record = (): AuditRecord => {
  const i = serial++;
  return {
    v: 1, time: new Date().toISOString(), requestId: `req_bench_${i}`, action: 'view', agentId: `agt_${String(i % 40).padStart(3, '0')}`,
    customerId: `cus_${String(i % 5000).padStart(6, '0')}`, ticketId: `tkt_${String(i % 2000).padStart(6, '0')}`, decision: 'allow',
    fields: { fullName: 'masked', email: 'masked', phone: 'masked', dateOfBirth: 'verify_only', totalBalance: 'banded' },
    policyIds: ['policy0', 'policy3'], reason: null, details: { grantsUsed: [] },
  };
};

async function withDatabase<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const pg = await createPostgresDatabase(ADMIN);
  const store = await openStore({ databaseUrl: pg.url, poolSize: WRITERS + 4 });
  try {
    return await fn(store);
  } finally {
    await store.close();
    await pg.drop();
  }
}

/** Runs WRITERS loops for `seconds`, each calling `write(n)` for transactions of `perTxn`
 *  records; returns the ack time (ms, performance clock) of every requestId. */
async function drive(seconds: number, perTxn: number, write: (recs: AuditRecord[]) => Promise<void>): Promise<Map<string, number>> {
  const acks = new Map<string, number>();
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (performance.now() < end) {
      const recs = Array.from({ length: perTxn }, record);
      await write(recs);
      const t = performance.now();
      for (const r of recs) acks.set(r.requestId, t);
    }
  }));
  return acks;
}

/** Appends through the log with the integrator running; appends/s to a signed checkpoint and
 *  append→checkpoint latency. */
async function logRun(perTxn: number, seconds: number, grouped: false | 'run' | 'append' = false) {
  return withDatabase(async (store) => {
    const db = store.db as Kysely<AuditTables>;
    // As the server builds it (runtime.ts): the product's defaults unless the environment tunes them.
    const gc = grouped ? groupCommitFromEnv(store.db, { ...process.env, KEYHOLE_GROUP_COMMIT: '1' }, store.capabilities.concurrentConnections) : undefined;
    let w = 0;
    const checkpoints: { size: number; t: number }[] = [];
    const integrator = await Integrator.open(store, new MasterKeyProvider(randomBytes(32)), {
      onCheckpoint: (cp) => checkpoints.push({ size: cp.size, t: performance.now() }),
    });
    integrator.start();
    await integrator.drain(); // the first checkpoint
    const t0 = performance.now();
    const acks = await drive(seconds, perTxn, (recs) => {
      const work = async (trx: Kysely<AuditTables>) => {
        for (const r of recs) await appendAudit(trx, r);
      };
      const key = `writer_${w++ % WRITERS}`;
      if (grouped === 'append' && gc) return gc.append(key, recs);
      return gc ? gc.run(key, work) : db.transaction().execute(work);
    });
    await gc?.close();
    const writersDone = performance.now();
    for (;;) {
      const cp = await latestCheckpoint(db);
      if (cp && cp.size >= acks.size) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await integrator.stop();
    const lastNeeded = checkpoints.find((c) => c.size >= acks.size)!.t;
    const seqs = await sql<{ seq: number; rid: string }>`select seq, entry::json->>'requestId' as rid from audit_log`.execute(db);
    const sizes = checkpoints.map((c) => c.size);
    const latencies = seqs.rows.map((r) => {
      let lo = 0;
      let hi = sizes.length - 1;
      while (lo < hi) { const mid = Math.floor((lo + hi) / 2); if (sizes[mid]! > r.seq) hi = mid; else lo = mid + 1; }
      return checkpoints[lo]!.t - acks.get(r.rid)!;
    });
    const batches = checkpoints.length;
    return {
      appends: acks.size, seconds: round((lastNeeded - t0) / 1000, 2), appendsPerS: Math.round(acks.size / ((lastNeeded - t0) / 1000)),
      catchUpMs: Math.round(lastNeeded - writersDone), checkpoints: batches, meanBatch: Math.round(acks.size / Math.max(1, batches)),
      p50Ms: round(pct(latencies, 50)), p99Ms: round(pct(latencies, 99)), maxMs: round(latencies.reduce((a, b) => Math.max(a, b), -Infinity)),
      ...(gc ? { groupCommit: { ...gc.settings, ...gc.stats() } } : {}),
    };
  });
}

/** The same writers inserting the same rows into a plain jsonb table: no log. */
async function baselineRun(perTxn: number, seconds: number) {
  return withDatabase(async (store) => {
    await sql`create table bench_plain (id bigserial primary key, entry jsonb not null, created_at timestamptz not null default now())`.execute(store.db);
    const t0 = performance.now();
    const acks = await drive(seconds, perTxn, (recs) => store.db.transaction().execute(async (trx) => {
      for (const r of recs) await trx.insertInto('bench_plain').values({ entry: JSON.stringify(r) }).execute();
    }));
    return { inserts: acks.size, insertsPerS: Math.round(acks.size / ((performance.now() - t0) / 1000)) };
  });
}

/** The integrator alone on a queue pre-filled with `n` records. */
async function capacityRun(n: number) {
  return withDatabase(async (store) => {
    const db = store.db as Kysely<AuditTables>;
    const integrator = await Integrator.open(store, new MasterKeyProvider(randomBytes(32)));
    await integrator.drain();
    for (let i = 0; i < n; i += 5000) {
      const texts = Array.from({ length: Math.min(5000, n - i) }, () => JSON.stringify(record()));
      await sql`insert into audit_pending (entry) select * from unnest(${texts}::jsonb[])`.execute(db);
    }
    const t0 = performance.now();
    await integrator.drain();
    const s = (performance.now() - t0) / 1000;
    return { records: n, seconds: round(s, 2), perS: Math.round(n / s) };
  });
}

/** An in-memory tile store keeping the latest version of each tile. */
class MemoryTiles implements TileReader {
  readonly tiles = new Map<string, TileData>();
  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    return tiles.map((t) => this.tiles.get(`${t.level}/${t.index}`)!.data);
  }
}

/** Loads a tree of PROOF_SIZE synthetic leaves straight into tlog_tiles with a signed
 *  checkpoint; returns its root and every 997th leaf hash (the rest is garbage afterwards, so
 *  the proof timings see the heap a server would have). */
async function bulkLoad(db: Kysely<AuditTables>, identity: LogIdentity): Promise<{ root: Uint8Array; sampled: Uint8Array[]; tiles: number }> {
  const mem = new MemoryTiles();
  const sampled: Uint8Array[] = [];
  let root: Uint8Array = new Uint8Array(32);
  for (let from = 0; from < PROOF_SIZE; from += 65_536) {
    const batch = Array.from({ length: Math.min(65_536, PROOF_SIZE - from) }, (_, i) =>
      createHash('sha256').update(Uint8Array.of(0)).update(`{"bench":${from + i}}`).digest());
    sampled.push(...batch.filter((_, i) => (from + i) % 997 === 0));
    const r = await integrate(from, batch, mem);
    for (const t of r.tiles) mem.tiles.set(`${t.tile.level}/${t.tile.index}`, t);
    root = r.root;
  }
  const all = [...mem.tiles.values()];
  for (let i = 0; i < all.length; i += 500) await writeTiles(db, all.slice(i, i + 500));
  const note = signCheckpoint({ origin: identity.origin, size: PROOF_SIZE, rootHash: root }, [identity.signer]);
  await insertCheckpoint(db, { size: PROOF_SIZE, rootHash: root, note }, new Date());
  return { root, sampled, tiles: all.length };
}

/** Inclusion-proof latency at PROOF_SIZE entries (bench/proof-timing.ts: start-up until the
 *  warm-up ends, then 2,500 timed in the steady state), every 100th proof verified. */
async function proofRun(identity: LogIdentity) {
  return withDatabase(async (store) => {
    const db = store.db as Kysely<AuditTables>;
    const tLoad = performance.now();
    const { root, sampled, tiles } = await bulkLoad(db, identity);
    const loadS = round((performance.now() - tLoad) / 1000, 1);
    const reader = proofLogReader(db, process.env); // as the proof routes build it (KEYHOLE_PROOF_CACHE_TILES, warmed)
    const timed = await timeProofs(reader, PROOF_SIZE, (p, index, k) => k % 100 === 0 && verifyInclusion(p.leafHash, index, PROOF_SIZE, p.proof, root));
    const j = Math.floor(Math.random() * sampled.length);
    verifyInclusion(sampled[j]!, j * 997, PROOF_SIZE, (await reader.inclusionProof(j * 997)).proof, root);
    return { size: PROOF_SIZE, tiles, loadS, ...timed };
  });
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const loadBefore = loadavg()[0]!.toFixed(2);
say(`bench:log — ${WRITERS} writers, ${DURATION_S} s per run, PostgreSQL at ${new URL(ADMIN).host}, load average ${loadBefore}${COMPLETE ? '' : `, parts ${[...PARTS].join(',')}`}`);
const part = async <T>(name: (typeof ALL_PARTS)[number], fn: () => Promise<T>): Promise<T | undefined> => (PARTS.has(name) ? fn() : undefined);
/** One run of the parts asked for; the result when every part ran, else undefined. */
async function runOnce() {
  const grouped = await part('group', () => logRun(1, DURATION_S, 'run'));
  if (grouped) say(`log, group commit:      ${grouped.appendsPerS} appends/s to a signed checkpoint; append→checkpoint p50 ${grouped.p50Ms} ms, p99 ${grouped.p99Ms} ms (${grouped.groupCommit?.flushes} commits for ${grouped.appends}, ${grouped.groupCommit?.savepoints} savepoints, lanes ${grouped.groupCommit?.lanes})`);
  const queued = await part('queue', () => logRun(1, DURATION_S, 'append'));
  if (queued) say(`log, commit queue:      ${queued.appendsPerS} appends/s (GroupCommitter.append, record-only units as one insert per flush); p99 ${queued.p99Ms} ms (${queued.groupCommit?.flushes} commits)`);
  const single = await part('direct', () => logRun(1, DURATION_S));
  if (single) say(`log, 1 record/txn:      ${single.appendsPerS} appends/s to a signed checkpoint; append→checkpoint p50 ${single.p50Ms} ms, p99 ${single.p99Ms} ms (${single.checkpoints} checkpoints, mean batch ${single.meanBatch})`);
  const base = await part('baseline', () => baselineRun(1, DURATION_S));
  if (base) say(`baseline, 1 row/txn:    ${base.insertsPerS} plain inserts/s`);
  const batched = await part('batched', () => logRun(8, DURATION_S));
  if (batched) say(`log, 8 records/txn:     ${batched.appendsPerS} appends/s; p50 ${batched.p50Ms} ms, p99 ${batched.p99Ms} ms (mean batch ${batched.meanBatch})`);
  const baseBatched = await part('batched', () => baselineRun(8, DURATION_S));
  if (baseBatched) say(`baseline, 8 rows/txn:   ${baseBatched.insertsPerS} plain inserts/s`);
  const capacity = await part('capacity', () => capacityRun(CAPACITY));
  if (capacity) say(`integrator capacity:    ${capacity.perS} records/s (${capacity.records} pre-filled)`);
  const proofs = await part('proofs', async () => proofRun(await openLogIdentity(new MasterKeyProvider(randomBytes(32)), 'bench.keyhole.example/log')));
  if (proofs) say(`inclusion proof at ${proofs.size}: p50 ${proofs.p50Ms} ms, p99 ${proofs.p99Ms} ms, ${proofs.coldProofs} cold (p99 ${proofs.coldP99Ms} ms) (tiles bulk-loaded in ${proofs.loadS} s; ${JSON.stringify(proofs.cache)}); start-up until warmed (${proofs.startup.warmUpMs} ms): ${proofs.startup.proofs} proofs, p50 ${proofs.startup.p50Ms} ms, p99 ${proofs.startup.p99Ms} ms, ${proofs.startup.coldProofs} cold`);

  if (!(grouped && queued && single && base && batched && baseBatched && capacity && proofs)) return undefined;
  return {
    appends_per_s: grouped.appendsPerS,
    baseline_inserts_per_s: base.insertsPerS,
    checkpoint_p99_ms: grouped.p99Ms,
    appends_per_s_direct: single.appendsPerS,
    appends_per_s_queue: queued.appendsPerS,
    checkpoint_p99_ms_direct: single.p99Ms,
    proof_p99_ms_at_1m: proofs.p99Ms,
    detail: {
      log_group_commit: grouped, log_commit_queue: queued, log_1_per_txn: single, baseline_1_per_txn: base, log_8_per_txn: batched, baseline_8_per_txn: baseBatched,
      integrator_capacity: capacity, proofs, writers: WRITERS, duration_s: DURATION_S, cpus: availableParallelism(), load_average_before: Number(loadBefore),
      node: process.version, at: new Date().toISOString(),
    },
  };
}

/** Runs (BENCH_RUNS, default 3) back to back; with every part, log.json is the run of median
 *  appends_per_s with every run's headline figures in median_of. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const runs: Array<NonNullable<Awaited<ReturnType<typeof runOnce>>>> = [];
for (let i = 0; i < RUNS; i++) {
  if (RUNS > 1) say(`— run ${i + 1} of ${RUNS}`);
  const r = await runOnce();
  if (r) runs.push(r);
}
if (runs.length > 0) {
  const order = runs.map((_, i) => i).sort((x, y) => runs[x]!.appends_per_s - runs[y]!.appends_per_s);
  const reported = order[Math.floor((order.length - 1) / 2)]!;
  const headline = ['appends_per_s', 'appends_per_s_direct', 'appends_per_s_queue', 'baseline_inserts_per_s', 'checkpoint_p99_ms', 'proof_p99_ms_at_1m'] as const;
  const { detail, ...top } = runs[reported]!;
  const result = {
    ...top,
    median_of: { runs: runs.length, reported_run: reported + 1, ...Object.fromEntries(headline.map((k) => [k, runs.map((r) => r[k])])) },
    detail,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/log.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  say(JSON.stringify({ appends_per_s: result.appends_per_s, appends_per_s_direct: result.appends_per_s_direct, baseline_inserts_per_s: result.baseline_inserts_per_s, checkpoint_p99_ms: result.checkpoint_p99_ms, proof_p99_ms_at_1m: result.proof_p99_ms_at_1m }));
}
