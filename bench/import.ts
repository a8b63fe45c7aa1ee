// npm run bench:import — `keyhole import customers` into PostgreSQL (a database of its own,
// dropped after): BENCH_IMPORT_ROWS generated NDJSON rows (default 1,000,000; identity,
// security and financial fields, so each row seals ~10 fields and writes 5 blind indexes) are
// imported through importCustomers (streaming, batches of BENCH_IMPORT_BATCH, each batch one
// transaction with its cursor and audit record). The baseline, measured in the same run on the
// same database, streams the same file into an unindexed jsonb table with plain multi-row
// INSERTs of the same batch size: no parsing against the catalog, no encryption, no indexes.
// Writes bench/results/import.json (rows/s of both and their ratio; target ≥ 5,000 rows/s).
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { importCustomers } from '../src/integrations/customers/import.js';
import type { IntegrationDb } from '../src/integrations/tables.js';
import { systemClock } from '../src/shared/clock.js';
import { openStore } from '../src/store/store.js';
import { MasterKeyProvider } from '../src/vault/master-key-provider.js';
import { Vault } from '../src/vault/vault.js';
import { createPostgresDatabase } from '../test/support/databases.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_IMPORT_BATCH ?? 1000);
// BENCH_IMPORT_WORKER=0/1 forces sealing in-process / in the worker (default: by file size).
const WORKER = process.env.BENCH_IMPORT_WORKER === undefined ? undefined : process.env.BENCH_IMPORT_WORKER === '1';
const ADMIN = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const JURISDICTIONS = ['DE', 'FR', 'GB', 'US', 'SG', 'JP', 'BR', 'NG'];

function generatedRow(i: number): string {
  const j = JURISDICTIONS[i % JURISDICTIONS.length];
  return JSON.stringify({
    externalId: `bench-${i}`, fullName: `Customer Number ${i}`, email: `customer${i}@example.org`, phone: `+49151${String(10_000_000 + i).slice(-8)}`,
    dateOfBirth: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`, address: { line1: `${i} Example Street`, city: 'Berlin', postalCode: String(10_000 + (i % 89_999)), country: 'DE' },
    nationality: j, jurisdiction: j, tier: i % 50 === 0 ? 'vip' : 'standard', accountStatus: 'active', twoFactorMethod: 'totp',
    lastLoginAt: '2026-01-04T10:00:00.000Z', lastLoginIp: `10.${i % 256}.${(i >> 8) % 256}.1`, totalBalance: (i % 100_000) + 0.5,
    holdings: [{ asset: 'BTC', amount: 0.01 * (i % 100), usd: 650 * (i % 100) }],
  });
}

async function writeFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < ROWS; i++) if (!out.write(`${generatedRow(i)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r, e) => out.end((err?: Error | null) => (err ? e(err) : r())));
}

async function baseline(db: IntegrationDb, file: string): Promise<number> {
  await sql`create table bench_plain (id bigserial primary key, entry jsonb not null)`.execute(db);
  const t0 = performance.now();
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await sql`insert into bench_plain (entry) select * from unnest(${batch}::jsonb[])`.execute(db);
    batch = [];
  };
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    batch.push(line);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-bench-import-'));
  const file = path.join(dir, 'customers.ndjson');
  const { url, drop } = await createPostgresDatabase(ADMIN);
  const store = await openStore({ databaseUrl: url });
  try {
    await writeFile(file);
    const db = store.db as IntegrationDb;
    const baseS = await baseline(db, file);
    const vault = new Vault(new MasterKeyProvider(randomBytes(32)), { cacheSize: 0 });
    await vault.checkKeys(db as never);
    let last = performance.now();
    const t0 = performance.now();
    const s = await importCustomers({ db, vault, clock: systemClock }, file, {
      batchSize: BATCH,
      ...(WORKER === undefined ? {} : { sealInWorker: WORKER }),
      onProgress: (p) => {
        if (performance.now() - last > 5000) {
          last = performance.now();
          console.error(`  ${p.rows} rows, ${Math.round(p.rows / ((last - t0) / 1000))} rows/s`);
        }
      },
    });
    const importS = (performance.now() - t0) / 1000;
    if (s.created !== ROWS || s.rejected !== 0) throw new Error(`expected ${ROWS} created, got ${s.created} created, ${s.rejected} rejected`);
    const result = {
      benchmark: 'import', date: new Date().toISOString(), rows: ROWS, batch: BATCH, fileBytes: statSync(file).size,
      machine: { cpus: availableParallelism(), loadavg: loadavg().map((x) => Number(x.toFixed(2))) },
      keyhole: { seconds: Number(importS.toFixed(2)), rowsPerSecond: Math.round(ROWS / importS) },
      baseline: { what: 'plain multi-row INSERT of the same lines into an unindexed jsonb table', seconds: Number(baseS.toFixed(2)), rowsPerSecond: Math.round(ROWS / baseS) },
      ratioToBaseline: Number((baseS / importS).toFixed(3)),
      target: { rowsPerSecond: 5000, met: ROWS / importS >= 5000 },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/import.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await store.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
