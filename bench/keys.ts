// npm run bench:keys — the PKCS#11 key provider against the local (master-key) provider in the same
// run (issue 19): the view over HTTP (goal ≤ 1.1×: data keys are cached after unwrap) and blind-index
// lookups/verifications, whose HMAC is computed on the token (goal ≤ 1.5×). SoftHSM2 in a temporary
// token directory; PostgreSQL (KEYHOLE_BENCH_DATABASE_URL / KEYHOLE_TEST_DATABASE_URL). Writes
// bench/results/keys.json. Small runs: BENCH_DURATION_S=1 BENCH_CUSTOMERS=200 BENCH_OPS=200.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { buildApp } from '../src/server/app.js';
import { createRuntime } from '../src/server/runtime.js';
import { createApiToken } from '../src/identity/tokens.js';
import { seedDemo } from '../src/sim/seed.js';
import { Pkcs11KeyProvider } from '../src/vault/pkcs11-key-provider.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import { SOFTHSM_MODULE, softhsmTokens } from '../test/support/softhsm.js';

const SPEC = { customers: Number(process.env.BENCH_CUSTOMERS ?? 2_000), agents: 40, tickets: 500, seed: 42 };
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const OPS = Number(process.env.BENCH_OPS ?? 5_000);
const CONNECTIONS = 16;

interface Run { rps: number; p50: number; p99: number; non2xx: number }

async function drive(url: string, paths: readonly string[], token: string): Promise<Run> {
  let i = 0;
  const r = await autocannon({
    url, connections: CONNECTIONS, duration: DURATION_S, headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] as string }) }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

async function measure(name: string, env: Record<string, string>) {
  const pg = await createPostgresDatabase(process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const rt = await createRuntime({ databaseUrl: pg.url, dataDir: ':memory:', env, poolSize: 20 });
  try {
    process.stdout.write(`[${name}] seeding ${SPEC.customers} customers…\n`);
    await seedDemo(rt.db, rt.vault, SPEC);
    const app = await buildApp(rt, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const busiest = await rt.db.selectFrom('tickets').select(['assignee_id']).select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('assignee_id').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
    const tickets = await rt.db.selectFrom('tickets').select(['id', 'customer_id']).where('assignee_id', '=', busiest.assignee_id).execute();
    const token = await createApiToken(rt.db, rt.clock, busiest.assignee_id as string, 'bench');
    const viewPaths = tickets.map((t) => `/v1/tickets/${t.id}/customer`);
    await drive(url, viewPaths.slice(0, 4), token); // warm-up
    const view = await drive(url, viewPaths, token);
    await app.close();
    // Lookups and verifications: one blind index each (computed by the provider) and one query.
    const ids = tickets.map((t) => t.customer_id);
    let t0 = performance.now();
    for (let i = 0; i < OPS; i++) await rt.vault.matchesBlindIndex(rt.db, ids[i % ids.length] as string, 'dateOfBirth', `19${String(50 + (i % 50))}-01-01`);
    const verifyPerS = OPS / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < OPS; i++) await rt.vault.findByBlindIndex(rt.db, 'email', `nobody${i}@bench.example`);
    const lookupPerS = OPS / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < OPS; i++) await rt.keys.blindIndex(Buffer.from(`email\u0000${i}@bench.example`));
    const hmacPerS = OPS / ((performance.now() - t0) / 1000);
    const out = { view, verifyPerS, lookupPerS, hmacPerS };
    process.stdout.write(`[${name}] view ${view.rps.toFixed(0)}/s (p99 ${view.p99} ms, non-2xx ${view.non2xx}); verify ${verifyPerS.toFixed(0)}/s; lookup ${lookupPerS.toFixed(0)}/s; HMAC alone ${hmacPerS.toFixed(0)}/s\n`);
    return out;
  } finally {
    await rt.close();
    await pg.drop();
  }
}

if (!SOFTHSM_MODULE) throw new Error('bench:keys needs SoftHSM2 (apt-get install softhsm2)');
const hsm = softhsmTokens(['kh-bench']);
try {
  await Pkcs11KeyProvider.init(hsm.config('kh-bench'));
  const local = await measure('local', { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') });
  const pkcs11 = await measure('pkcs11', hsm.env('kh-bench'));
  const result = {
    view_ratio: Number((local.view.rps / pkcs11.view.rps).toFixed(3)),
    verify_ratio: Number((local.verifyPerS / pkcs11.verifyPerS).toFixed(3)),
    lookup_ratio: Number((local.lookupPerS / pkcs11.lookupPerS).toFixed(3)),
    goals: { view_ratio: 1.1, verify_ratio: 1.5, lookup_ratio: 1.5 },
    detail: { local, pkcs11, spec: SPEC, durationS: DURATION_S, ops: OPS, connections: CONNECTIONS, node: process.version, at: new Date().toISOString() },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/keys.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ view_ratio: result.view_ratio, verify_ratio: result.verify_ratio, lookup_ratio: result.lookup_ratio }));
} finally {
  hsm.rm();
}
