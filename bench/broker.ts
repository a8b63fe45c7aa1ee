// npm run bench:broker — the cost of Keyhole's view against a legacy read in the same server.
// The baseline route returns the same customer rows as plain JSON with no policy, no
// decryption and no audit (what a legacy admin tool does). Both routes are driven over
// loopback with the same client, concurrency and authentication, on PostgreSQL and PGlite.
// Writes bench/results/broker.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildApp } from '../src/server/app.js';
import { createRuntime, type Runtime } from '../src/server/runtime.js';
import { createApiToken } from '../src/identity/tokens.js';
import { seedDemo } from '../src/sim/seed.js';
import { createPostgresDatabase } from '../test/support/databases.js';

const SPEC = { customers: 2_000, agents: 40, tickets: 500, seed: 42 };
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = 16;
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

interface Run { rps: number; p50: number; p99: number; errors: number; non2xx: number; timeouts: number }

async function drive(url: string, paths: readonly string[], token: string, overallRate?: number): Promise<Run> {
  let i = 0;
  const r = await autocannon({
    url, connections: CONNECTIONS, duration: DURATION_S, ...(overallRate ? { overallRate } : {}),
    headers: { authorization: `Bearer ${token}` },
    requests: [{
      setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] as string }),
      onResponse: (status, body) => {
        if (status !== 200 && failures.size < 5) failures.add(`${status} ${body.slice(0, 200)}`);
      },
    }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts };
}

async function measure(name: string, databaseUrl: string | undefined) {
  const rt = await createRuntime({ databaseUrl, dataDir: ':memory:', env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') }, poolSize: 20 });
  try {
    process.stdout.write(`[${name}] seeding ${SPEC.customers} customers…\n`);
    await seedDemo(rt.db, rt.vault, SPEC);
    const app = await buildApp(rt, { logger: process.env.BENCH_LOG ? { level: 'error' } : false, extraAuthenticated: [legacyRoute(rt)] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    // One agent with many tickets: the busiest agent of the seed.
    const busiest = await rt.db.selectFrom('tickets').select(['assignee_id']).select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('assignee_id').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
    const tickets = await rt.db.selectFrom('tickets').select(['id', 'customer_id']).where('assignee_id', '=', busiest.assignee_id).execute();
    const token = await createApiToken(rt.db, rt.clock, busiest.assignee_id as string, 'bench');
    const viewPaths = tickets.map((t) => `/v1/tickets/${t.id}/customer`);
    const legacyPaths = tickets.map((t) => `/v1/legacy/customers/${t.customer_id}`);
    await drive(url, viewPaths.slice(0, 4), token); // warm-up
    const legacy = await drive(url, legacyPaths, token);
    const view = await drive(url, viewPaths, token);
    const paced = await drive(url, viewPaths, token, 500);
    await app.close();
    const out = { legacy, view, paced500: paced, ratio: legacy.rps / view.rps };
    process.stdout.write(`[${name}] legacy ${legacy.rps.toFixed(0)}/s, view ${view.rps.toFixed(0)}/s → cost ×${out.ratio.toFixed(2)}; at 500/s p99 ${paced.p99} ms (errors/non-2xx/timeouts: legacy ${legacy.errors}/${legacy.non2xx}/${legacy.timeouts}, view ${view.errors}/${view.non2xx}/${view.timeouts}, paced ${paced.errors}/${paced.non2xx}/${paced.timeouts})\n`);
    return out;
  } finally {
    await rt.close();
  }
}

const pgAdmin = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgdb = await createPostgresDatabase(pgAdmin);
let pgResult;
try {
  pgResult = await measure('postgres', pgdb.url);
} finally {
  await pgdb.drop();
}
const pgliteResult = await measure('pglite', undefined);
const result = {
  ratio_pg: Number(pgResult.ratio.toFixed(3)),
  ratio_pglite: Number(pgliteResult.ratio.toFixed(3)),
  views_per_s_pg: Math.round(pgResult.view.rps),
  p99_ms_pg: pgResult.paced500.p99,
  detail: { postgres: pgResult, pglite: pgliteResult, spec: SPEC, durationS: DURATION_S, connections: CONNECTIONS, node: process.version, at: new Date().toISOString() },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/broker.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify({ ratio_pg: result.ratio_pg, ratio_pglite: result.ratio_pglite, views_per_s_pg: result.views_per_s_pg, p99_ms_pg: result.p99_ms_pg }));
