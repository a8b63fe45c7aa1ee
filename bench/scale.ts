// npm run bench:scale — flat cost at scale (issue 13 item 4), on PostgreSQL:
// 1. view and lookup latency (p50/p99) at BENCH_SCALE_CUSTOMERS (default 10,000 and 1,000,000
//    customers), each seeded with the demo seeder (progress on stderr), served as shipped
//    (guard and detectors on; budgets and risk thresholds raised by KEYHOLE_DETECT_CONFIG only
//    so that a long benchmark is not refused — the guard does the same work), driven at a
//    paced rate from a child process (bench/load-client.ts) by every agent with their own
//    token. Lookups are by account id of random existing customers and open tickets.
//    BENCH_DESK_RUNS (default 3) runs of each on the same seeded database, views and lookups
//    in turn; each figure is the median of its runs (all runs kept in the detail).
// 2. inclusion-proof latency (p99) at BENCH_SCALE_LOG (default 1,000,000 and 10,000,000
//    entries), the log generated directly as tiles (no audit_log rows: a proof by index reads
//    the checkpoint and tiles only), through the reader the proof routes use (proofLogReader:
//    its tile cache sized by KEYHOLE_PROOF_CACHE_TILES and warmed in the background): proofs
//    until the warm-up has ended (start-up figures), then 2,500 timed (bench/proof-timing.ts);
//    BENCH_PROOF_RUNS (default 3) fresh readers in turn on the same log, the median p99 counts.
// The ratios large/small are the targets (≤ 1.2). Records the load average before it starts.
// Run it alone. BENCH_SCALE_REUSE=1 keeps the seeded
// databases (keyhole_scale_<n>) for the next run instead of dropping them (a 1M seed takes a
// while). Tiny check:
//   BENCH_SCALE_CUSTOMERS=300,600 BENCH_SCALE_LOG=70000,140000 BENCH_DURATION_S=1 BENCH_PROOF_RUNS=1 BENCH_DESK_RUNS=1 npm run bench:scale
// Writes bench/results/scale.json.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { insertCheckpoint } from '../src/audit/checkpoint-store.js';
import { proofLogReader } from '../src/audit/log-reader.js';
import { openLogIdentity } from '../src/audit/log-identity.js';
import type { AuditTables } from '../src/audit/tables.js';
import { DbTileReader, writeTiles } from '../src/audit/tile-store.js';
import { createApiToken } from '../src/identity/tokens.js';
import { buildApp } from '../src/server/app.js';
import { createRuntime } from '../src/server/runtime.js';
import { signCheckpoint } from '../src/shared/tlog/checkpoint.js';
import { integrate } from '../src/shared/tlog/integrate.js';
import { verifyInclusion } from '../src/shared/tlog/proof-verify.js';
import { TILE_WIDTH, type Tile, type TileData, type TileReader } from '../src/shared/tlog/tiles.js';
import { seedDemo } from '../src/sim/seed.js';
import { seedProgressLines } from '../src/sim/seed-progress.js';
import { openStore } from '../src/store/store.js';
import { MasterKeyProvider } from '../src/vault/master-key-provider.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import { driveFromChild, type LoadRun } from './drive.js';
import { timeProofs } from './proof-timing.js';

const list = (v: string | undefined, dflt: number[]) => (v ? v.split(',').map((x) => Number(x.trim())) : dflt);
const [SMALL, LARGE] = list(process.env.BENCH_SCALE_CUSTOMERS, [10_000, 1_000_000]) as [number, number];
const [LOG_SMALL, LOG_LARGE] = list(process.env.BENCH_SCALE_LOG, [1_000_000, 10_000_000]) as [number, number];
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const RATE = Number(process.env.BENCH_SCALE_RATE ?? 100);
const CONNECTIONS = 8;
const REUSE = process.env.BENCH_SCALE_REUSE === '1';
const PROOF_RUNS = Number(process.env.BENCH_PROOF_RUNS ?? 3);
const DESK_RUNS = Number(process.env.BENCH_DESK_RUNS ?? 3);
const ADMIN = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MASTER_KEY = process.env.BENCH_SCALE_MASTER_KEY ?? randomBytes(32).toString('base64');
const say = (s: string) => process.stdout.write(`${s}\n`);
const round = (x: number, d = 3) => Number(x.toFixed(d));
const BENCH_DETECT = JSON.stringify({
  budgets: { roles: { agent: { customersPerHour: 1e6, customersPerShift: 1e6, revealsPerShift: 1e6, lookupsPerHour: 1e6 } } },
  risk: { alert: 1e9, stepUp: 2e9, contain: 3e9 },
});

/** A database for `name`: a reused one (BENCH_SCALE_REUSE) or a fresh one dropped after. */
async function database(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!REUSE) return createPostgresDatabase(ADMIN);
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: async () => undefined };
}

/** The median of `runs` figure by figure (p50 and p99 each the median of the runs'; the
 *  rest from the run of median p99), in milliseconds like the runs. */
function medianRun(runs: readonly LoadRun[]): LoadRun {
  const mid = <T>(xs: readonly T[], by: (x: T) => number) => [...xs].sort((a, b) => by(a) - by(b))[Math.floor((xs.length - 1) / 2)]!;
  return { ...mid(runs, (r) => r.p99), p50: mid(runs, (r) => r.p50).p50 };
}

/** View and lookup latency at `customers` customers (the median of DESK_RUNS runs each). */
async function desk(customers: number) {
  const dbh = await database(`keyhole_scale_${customers}`);
  // The data keys are wrapped under the master key: a reused database needs the same one.
  const env = { KEYHOLE_MASTER_KEY: REUSE ? Buffer.from(createHash('sha256').update(`keyhole-bench-scale|${customers}`).digest()).toString('base64') : MASTER_KEY, KEYHOLE_DETECT_CONFIG: BENCH_DETECT };
  const rt = await createRuntime({ databaseUrl: dbh.url, dataDir: ':memory:', env, poolSize: 20 });
  try {
    const have = Number((await rt.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    if (have === 0) {
      say(`[${customers}] seeding…`);
      const t = performance.now();
      await seedDemo(rt.db, rt.vault, { customers, agents: 40, tickets: 500, seed: 42, decoys: 5 }, seedProgressLines(customers));
      say(`[${customers}] seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    const app = await buildApp(rt, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // As a load balancer would: no traffic before /readyz passes (a reused database may still
    // hold the previous run's log lease for a few seconds; until it lapses views answer 503).
    for (const until = performance.now() + 120_000; (await fetch(`${url}/readyz`)).status !== 200;) {
      if (performance.now() > until) throw new Error(`[${customers}] /readyz did not pass within 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const tickets = await rt.db.selectFrom('tickets').select(['id', 'assignee_id']).where('status', '=', 'open').where('assignee_id', 'is not', null)
      .where('created_by', '=', 'seed').orderBy('id').execute();
    const agents = [...new Set(tickets.map((t) => t.assignee_id as string))];
    const tokens = new Map<string, string>();
    for (const a of agents) tokens.set(a, await createApiToken(rt.db, rt.clock, a, 'bench-scale'));
    const views = tickets.map((t) => ({ path: `/v1/tickets/${t.id}/customer`, token: tokens.get(t.assignee_id as string)! }));
    // Random existing customers (not decoys), looked up by account id by agents in turn.
    // Each by an agent (in turn) whose regions cover the customer's jurisdiction, as a desk routes calls.
    const sample = await rt.db.selectFrom('customers').select(['account_id', 'jurisdiction']).where('is_decoy', '=', false)
      .where('id', 'in', Array.from({ length: 2000 }, () => `cus_${String(Math.floor(Math.random() * customers)).padStart(6, '0')}`)).execute();
    const regions = new Map((await rt.db.selectFrom('agents').select(['id', 'regions']).where('id', 'in', agents).execute()).map((a) => [a.id, a.regions]));
    let turn = 0;
    const covering = (jurisdiction: string) => {
      const ok = agents.filter((a) => regions.get(a)?.includes(jurisdiction));
      return ok.length > 0 ? ok[turn++ % ok.length]! : undefined;
    };
    const lookups = sample.flatMap((c) => {
      const agent = covering(c.jurisdiction);
      return agent ? [{ agent, c }] : [];
    }).map(({ agent, c }) => ({
      path: '/v1/lookups', method: 'POST', token: tokens.get(agent)!,
      body: JSON.stringify({ accountId: c.account_id, purpose: 'general_inquiry', channel: 'phone', subject: 'bench scale' }),
    }));
    const run = (requests: typeof views, durationS = DURATION_S): Promise<LoadRun> => driveFromChild({ url, requests, connections: CONNECTIONS, durationS, rate: RATE });
    await run(views, 2); // warm-up
    const viewRuns: LoadRun[] = [];
    const lookupRuns: LoadRun[] = [];
    for (let k = 0; k < DESK_RUNS; k++) {
      const view = await run(views);
      const lookup = await run(lookups);
      viewRuns.push(view);
      lookupRuns.push(lookup);
      say(`[${customers}] run ${k + 1}: view p50 ${view.p50} ms p99 ${view.p99} ms; lookup p50 ${lookup.p50} ms p99 ${lookup.p99} ms at ${RATE}/s (non-2xx ${view.non2xx}/${lookup.non2xx}${[...view.failures, ...lookup.failures].length ? `: ${[...view.failures, ...lookup.failures][0]}` : ''})`);
    }
    await app.close();
    return { customers, view: medianRun(viewRuns), lookup: medianRun(lookupRuns), viewRuns, lookupRuns, agents: agents.length, dataKeyCache: rt.vault.dataKeyCacheStats() };
  } finally {
    await rt.close();
    await dbh.drop();
  }
}

/** Keeps the tiles integrate() still needs (every tile above level 0, and partial ones) in
 *  memory and reads the rest back from the database. */
class StreamingTiles implements TileReader {
  readonly mem = new Map<string, TileData>();
  constructor(readonly db: DbTileReader) {}
  async readTiles(tiles: readonly Tile[]): Promise<readonly Uint8Array[]> {
    const missing = tiles.filter((t) => !this.mem.has(`${t.level}/${t.index}`));
    const fetched = missing.length > 0 ? await this.db.readTiles(missing) : [];
    let k = 0;
    return tiles.map((t) => this.mem.get(`${t.level}/${t.index}`)?.data ?? fetched[k++]!);
  }
}

/** Inclusion-proof latency on a log of `size` entries generated directly as tiles. */
async function proofs(size: number) {
  const dbh = await createPostgresDatabase(ADMIN);
  const store = await openStore({ databaseUrl: dbh.url, poolSize: 4 });
  try {
    const db = store.db as Kysely<AuditTables>;
    const identity = await openLogIdentity(new MasterKeyProvider(randomBytes(32)), 'bench.keyhole.example/scale');
    const tiles = new StreamingTiles(new DbTileReader(db));
    const sampled = new Map<number, Uint8Array>();
    let root: Uint8Array = new Uint8Array(32);
    const t0 = performance.now();
    let written = 0;
    for (let from = 0; from < size; from += 65_536) {
      const batch = Array.from({ length: Math.min(65_536, size - from) }, (_, i) =>
        createHash('sha256').update(Uint8Array.of(0)).update(`{"bench":${from + i}}`).digest());
      batch.forEach((h, i) => (from + i) % 9973 === 0 && sampled.set(from + i, h));
      const r = await integrate(from, batch, tiles);
      for (let i = 0; i < r.tiles.length; i += 500) await writeTiles(db, r.tiles.slice(i, i + 500));
      written += r.tiles.length;
      for (const t of r.tiles) {
        const key = `${t.tile.level}/${t.tile.index}`;
        if (t.tile.level === 0 && t.tile.width === TILE_WIDTH) tiles.mem.delete(key);
        else tiles.mem.set(key, t);
      }
      root = r.root;
      if ((from / 65_536) % 16 === 15) process.stderr.write(`log ${from + batch.length}/${size} entries as tiles\n`);
    }
    const note = signCheckpoint({ origin: identity.origin, size, rootHash: root }, [identity.signer]);
    await insertCheckpoint(db, { size, rootHash: root, note }, new Date());
    const loadS = (performance.now() - t0) / 1000;
    // PROOF_RUNS readers one after another on the same log, each as the proof routes build it
    // (KEYHOLE_PROOF_CACHE_TILES, warmed from its first proof); the run of median p99 counts.
    const runs: Array<Awaited<ReturnType<typeof timeProofs>>> = [];
    for (let run = 0; run < PROOF_RUNS; run++) {
      const reader = proofLogReader(db, process.env);
      const timed = await timeProofs(reader, size);
      const indexes = [...sampled.keys()];
      const j = indexes[Math.floor(Math.random() * indexes.length)]!;
      verifyInclusion(sampled.get(j)!, j, size, (await reader.inclusionProof(j)).proof, root);
      say(`[log ${size}] run ${run + 1}: proof p50 ${timed.p50Ms} ms p99 ${timed.p99Ms} ms, start-up until warmed (${timed.startup.warmUpMs} ms) p99 ${timed.startup.p99Ms} ms (${written} tiles written in ${loadS.toFixed(0)} s)`);
      runs.push(timed);
    }
    const median = [...runs].sort((x, y) => x.p99Ms - y.p99Ms)[Math.floor(runs.length / 2)]!;
    return { size, tiles: written, loadS: round(loadS, 1), ...median, p99MsOfRuns: runs.map((r) => r.p99Ms), p50MsOfRuns: runs.map((r) => r.p50Ms) };
  } finally {
    await store.close();
    await dbh.drop();
  }
}

const loadBefore = Number(loadavg()[0]!.toFixed(2));
say(`bench:scale — ${SMALL} vs ${LARGE} customers, log ${LOG_SMALL} vs ${LOG_LARGE}, ${RATE}/s for ${DURATION_S} s, load average ${loadBefore}`);
const small = await desk(SMALL);
const large = await desk(LARGE);
const proofSmall = await proofs(LOG_SMALL);
const proofLarge = await proofs(LOG_LARGE);
const ratio = (a: number, b: number) => round(a / Math.max(b, 0.001), 3);
const tag = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`);
const result = {
  [`view_p50_ms_${tag(SMALL)}`]: small.view.p50, [`view_p99_ms_${tag(SMALL)}`]: small.view.p99,
  [`view_p50_ms_${tag(LARGE)}`]: large.view.p50, [`view_p99_ms_${tag(LARGE)}`]: large.view.p99,
  [`lookup_p50_ms_${tag(SMALL)}`]: small.lookup.p50, [`lookup_p99_ms_${tag(SMALL)}`]: small.lookup.p99,
  [`lookup_p50_ms_${tag(LARGE)}`]: large.lookup.p50, [`lookup_p99_ms_${tag(LARGE)}`]: large.lookup.p99,
  [`proof_p99_ms_${tag(LOG_SMALL)}`]: proofSmall.p99Ms, [`proof_p99_ms_${tag(LOG_LARGE)}`]: proofLarge.p99Ms,
  ratios: {
    view_p50: ratio(large.view.p50, small.view.p50), view_p99: ratio(large.view.p99, small.view.p99),
    lookup_p50: ratio(large.lookup.p50, small.lookup.p50), lookup_p99: ratio(large.lookup.p99, small.lookup.p99),
    proof_p99: ratio(proofLarge.p99Ms, proofSmall.p99Ms),
  },
  detail: {
    small, large, proofSmall, proofLarge, rate: RATE, durationS: DURATION_S, connections: CONNECTIONS, loadAverageBefore: loadBefore,
    loadGenerator: 'child process (bench/load-client.ts)', node: process.version, at: new Date().toISOString(),
  },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/scale.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
say(JSON.stringify({ ...result, detail: undefined }));
