// npm run bench:broker — the cost of Keyhole's view against a legacy read in the same server,
// as shipped: the detection guard and the detectors on, the integrator sequencing and signing.
// The baseline route returns the same customer rows as plain JSON with no policy, no
// decryption and no audit (what a legacy admin tool does). A realistic desk: every agent with
// tickets has its own bearer token and the requests go round-robin over the agents, so with
// CONNECTIONS below the number of agents each agent has at most a couple of requests in
// flight. The load generator runs in its own process (bench/load-client.ts). Both routes are
// driven with the same client, concurrency and tokens, on PostgreSQL and PGlite; the ratio of
// the two in the same run cancels the noise of a shared machine. Records the load average
// before it starts and the data-key cache hit rate. Run it alone. PostgreSQL is measured
// BENCH_RUNS times (3) and the run of median ratio is reported, every run's figures kept in
// `median_of`. Writes bench/results/broker.json (ratio_pg, ratio_pglite, views_per_s_pg,
// p99_ms_pg; p99 at 500/s and below it, open-loop: evenly paced, latency from each request's
// due time, bench/paced-client.ts). Tiny check: BENCH_RUNS=1 BENCH_DURATION_S=1 BENCH_CUSTOMERS=200 BENCH_TICKETS=60 npm run bench:broker
// `npm run` starts it with the V8 flags of every release start (package.json config.nodeFlags),
// since the server runs in this process.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildApp } from '../src/server/app.js';
import { createRuntime, type Runtime } from '../src/server/runtime.js';
import { createApiToken } from '../src/identity/tokens.js';
import { seedDemo } from '../src/sim/seed.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import { driveFromChild, type LoadRun } from './drive.js';

const SPEC = { customers: Number(process.env.BENCH_CUSTOMERS ?? 2_000), agents: 40, tickets: Number(process.env.BENCH_TICKETS ?? 500), seed: 42 };
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = 16;
// Opt-in settings passed through when set (KEYHOLE_GROUP_COMMIT=1, KEYHOLE_DETECT_WORKER=1 …):
// the default run is the shipped default configuration.
const OPT_IN = Object.fromEntries(['KEYHOLE_GROUP_COMMIT', 'KEYHOLE_GROUP_COMMIT_LANES', 'KEYHOLE_GROUP_COMMIT_MAX_BATCH', 'KEYHOLE_GROUP_COMMIT_WAIT_MS', 'KEYHOLE_DETECT_WORKER']
  .flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
const PACED_RATE = 500;
/** Rates paced before PACED_RATE, from each of which the p99 is reported too. */
const SWEEP_RATES = [100, 250, 400];
const failures = new Set<string>();
process.on('exit', () => failures.size > 0 && console.error('first failures:', [...failures]));

/** The legacy admin read: the customer row and its field rows, as stored, no checks. */
function legacyRoute(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.get('/v1/legacy/customers/:id', { schema: { params: z.object({ id: z.string() }) } }, async (req) => {
      const { id } = req.params as { id: string };
      const customer = await rt.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const fields = await rt.db.selectFrom('customer_fields').select(['field', 'ciphertext']).where('customer_id', '=', id).execute();
      return { ...customer, fields: Object.fromEntries(fields.map((f) => [f.field, Buffer.from(f.ciphertext).toString('base64')])) };
    });
  };
}

async function drive(url: string, requests: ReadonlyArray<{ path: string; token: string }>, rate?: number): Promise<LoadRun> {
  const r = await driveFromChild({ url, requests, connections: CONNECTIONS, durationS: DURATION_S, ...(rate ? { rate } : {}) });
  for (const f of r.failures) if (failures.size < 5) failures.add(f);
  return r;
}

async function measure(name: string, databaseUrl: string | undefined) {
  const rt = await createRuntime({ databaseUrl, dataDir: ':memory:', env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), ...OPT_IN }, poolSize: 20 });
  try {
    process.stdout.write(`[${name}] seeding ${SPEC.customers} customers…\n`);
    await seedDemo(rt.db, rt.vault, SPEC);
    const app = await buildApp(rt, { logger: process.env.BENCH_LOG ? { level: 'error' } : false, extraAuthenticated: [legacyRoute(rt)] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    // Every agent with tickets, each with their own token; requests interleaved agent by agent.
    const tickets = await rt.db.selectFrom('tickets').select(['id', 'customer_id', 'assignee_id']).where('status', '=', 'open')
      .where('assignee_id', 'is not', null).orderBy('id').execute();
    const byAgent = new Map<string, typeof tickets>();
    for (const t of tickets) byAgent.set(t.assignee_id as string, [...(byAgent.get(t.assignee_id as string) ?? []), t]);
    const tokens = new Map<string, string>();
    for (const agentId of byAgent.keys()) tokens.set(agentId, await createApiToken(rt.db, rt.clock, agentId, 'bench'));
    const interleaved: typeof tickets = [];
    for (let k = 0; interleaved.length < tickets.length; k++) for (const list of byAgent.values()) if (list[k]) interleaved.push(list[k]!);
    const viewReqs = interleaved.map((t) => ({ path: `/v1/tickets/${t.id}/customer`, token: tokens.get(t.assignee_id as string)! }));
    const legacyReqs = interleaved.map((t) => ({ path: `/v1/legacy/customers/${t.customer_id}`, token: tokens.get(t.assignee_id as string)! }));
    process.stdout.write(`[${name}] ${byAgent.size} agents with their own tokens, ${interleaved.length} tickets\n`);
    await drive(url, viewReqs.slice(0, Math.max(4, byAgent.size))); // warm-up
    const legacy = await drive(url, legacyReqs);
    const view = await drive(url, viewReqs);
    // Open-loop (bench/paced-client.ts): the p99 at the target rate, and below it, where the
    // desk's latency is its own and not a queue's.
    const sweep = [];
    for (const rate of SWEEP_RATES) sweep.push({ rate, ...(await drive(url, viewReqs, rate)) });
    const paced = await drive(url, viewReqs, PACED_RATE);
    const dataKeyCache = rt.vault.dataKeyCacheStats();
    await app.close();
    const out = { legacy, view, paced500: paced, pacedBelow: sweep.map(({ rate, rps, p50, p99 }) => ({ rate, rps, p50, p99 })), ratio: legacy.rps / view.rps, agents: byAgent.size, dataKeyCache, detection: rt.detection !== undefined };
    process.stdout.write(`[${name}] data-key cache hit rate ${(dataKeyCache.hitRate * 100).toFixed(1)} %; legacy ${legacy.rps.toFixed(0)}/s, view ${view.rps.toFixed(0)}/s → cost ×${out.ratio.toFixed(2)}; at 500/s p99 ${paced.p99} ms (${sweep.map((x) => `${x.rate}/s p99 ${x.p99} ms`).join(', ')}) (errors/non-2xx/timeouts: legacy ${legacy.errors}/${legacy.non2xx}/${legacy.timeouts}, view ${view.errors}/${view.non2xx}/${view.timeouts}, paced ${paced.errors}/${paced.non2xx}/${paced.timeouts})\n`);
    return out;
  } finally {
    await rt.close();
  }
}

const loadBefore = Number(loadavg()[0]!.toFixed(2));
process.stdout.write(`bench:broker — load average before ${loadBefore}\n`);
const pgAdmin = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** PostgreSQL runs (a fresh database each); the reported one is the run of median ratio. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const pgRuns: Array<Awaited<ReturnType<typeof measure>>> = [];
for (let i = 0; i < RUNS; i++) {
  const pgdb = await createPostgresDatabase(pgAdmin);
  try {
    pgRuns.push(await measure('postgres', pgdb.url));
  } finally {
    await pgdb.drop();
  }
}
const pgResult = [...pgRuns].sort((a, b) => a.ratio - b.ratio)[Math.floor((pgRuns.length - 1) / 2)]!;
const pgliteResult = await measure('pglite', undefined);
const result = {
  ratio_pg: Number(pgResult.ratio.toFixed(3)),
  ratio_pglite: Number(pgliteResult.ratio.toFixed(3)),
  views_per_s_pg: Math.round(pgResult.view.rps),
  p99_ms_pg: pgResult.paced500.p99,
  median_of: { runs: pgRuns.length, ratio_pg: pgRuns.map((r) => Number(r.ratio.toFixed(3))), views_per_s_pg: pgRuns.map((r) => Math.round(r.view.rps)), p99_ms_pg: pgRuns.map((r) => r.paced500.p99) },
  detail: { postgres: pgResult, pglite: pgliteResult, spec: SPEC, durationS: DURATION_S, connections: CONNECTIONS, pacedRate: PACED_RATE, settings: OPT_IN, loadAverageBefore: loadBefore, loadGenerator: 'child process (bench/load-client.ts)', node: process.version, at: new Date().toISOString() },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/broker.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify({ ratio_pg: result.ratio_pg, ratio_pglite: result.ratio_pglite, views_per_s_pg: result.views_per_s_pg, p99_ms_pg: result.p99_ms_pg }));
