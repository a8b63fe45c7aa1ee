// npm run bench:startup — start-up of `keyhole serve` on PostgreSQL (issue 18 part 4): the
// release build (`node dist/cli/main.js`) against today's development run (`tsx src/cli/...`).
// For each variant and run: a fresh database, already migrated and seeded once by a first start
// (so the runs measure a restart, the common case), then spawn → first 200 of /readyz (ms), and
// the resident set (VmRSS from /proc, MB) once ready and after 50 views. Goal: ready ≤ 2 s,
// RSS ≤ 200 MB. Needs KEYHOLE_BENCH_DATABASE_URL or KEYHOLE_TEST_DATABASE_URL (an admin URL; a
// database of its own is created and dropped) and a built dist/ (`npm run build`).
// The release variant runs with the V8 flags every release start passes (package.json
// config.nodeFlags: npm start, the Dockerfile's ENTRYPOINT, the systemd unit).
// Writes bench/results/startup.json. BENCH_RUNS (default 5) runs per variant.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPostgresDatabase } from '../test/support/databases.js';

const adminUrl = process.env.KEYHOLE_BENCH_DATABASE_URL ?? process.env.KEYHOLE_TEST_DATABASE_URL;
if (!adminUrl) throw new Error('set KEYHOLE_BENCH_DATABASE_URL (or KEYHOLE_TEST_DATABASE_URL)');
if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` first');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const nodeFlags = (JSON.parse(readFileSync('package.json', 'utf8')) as { config: { nodeFlags: string } }).config.nodeFlags.split(' ');
const VARIANTS = { dist: [...nodeFlags, 'dist/cli/main.js'], tsx: ['--import', 'tsx', 'src/cli/main.ts'] } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
};

interface Run { readyMs: number; rssReadyMb: number; rssAfterViewsMb: number }

async function start(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ run: Omit<Run, 'rssAfterViewsMb'>; port: number; stop: () => Promise<void>; pid: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, 'serve', '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let port = 0;
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /serving on http:\/\/[^:]+:(\d+)\//.exec(out);
    if (m) port = Number(m[1]);
  });
  child.stderr.on('data', () => undefined);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out.slice(-500)}`);
    if (port > 0) {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (r?.status === 200) break;
    }
    await sleep(10);
  }
  const readyMs = Math.round(performance.now() - t0);
  return {
    run: { readyMs, rssReadyMb: rssMb(child.pid!) }, port, pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const pgdb = await createPostgresDatabase(adminUrl);
const masterKey = randomBytes(32).toString('base64');
const dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-bench-')); // the published checkpoint of this database only
const env = { KEYHOLE_DATA_DIR: dataDir, DATABASE_URL: pgdb.url, KEYHOLE_MASTER_KEY: masterKey, KEYHOLE_DEMO: '1', KEYHOLE_DEMO_CUSTOMERS: '200', LOG_LEVEL: 'warn' };
const results: Record<string, Run[]> = { dist: [], tsx: [] };
try {
  const first = await start(VARIANTS.dist, env); // migrate and seed once
  await first.stop();
  const client = new pg.Client({ connectionString: pgdb.url });
  await client.connect();
  const tickets = (await client.query<{ id: string; assignee_id: string }>(`select id, assignee_id from tickets where status = 'open' order by id limit 5`)).rows;
  await client.end();
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(VARIANTS)) {
      const s = await start(args, env);
      const base = `http://127.0.0.1:${s.port}`;
      const login = await fetch(`${base}/v1/demo/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId: tickets[0]!.assignee_id }) });
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '); // session and device cookies
      for (let v = 0; v < 50; v++) await (await fetch(`${base}/v1/tickets/${tickets[0]!.id}/customer`, { headers: { cookie } })).arrayBuffer();
      results[name]!.push({ ...s.run, rssAfterViewsMb: rssMb(s.pid) });
      await s.stop();
      console.log(`${name} run ${i + 1}: ready ${s.run.readyMs} ms, RSS ${s.run.rssReadyMb} MB`);
    }
  }
} finally {
  await pgdb.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries(Object.entries(results).map(([k, rs]) => [k, {
  readyMsMedian: median(rs.map((r) => r.readyMs)), readyMsMax: Math.max(...rs.map((r) => r.readyMs)),
  rssReadyMbMedian: median(rs.map((r) => r.rssReadyMb)), rssAfterViewsMbMedian: median(rs.map((r) => r.rssAfterViewsMb)), runs: rs,
}]));
const out = {
  benchmark: 'startup', date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), loadavg: loadavg(),
  database: 'postgresql', releaseNodeFlags: nodeFlags, goal: { readyMs: 2000, rssMb: 200 }, runsPerVariant: RUNS, ...summary,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/startup.json', `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ dist: { ready: summary.dist!.readyMsMedian, rss: summary.dist!.rssReadyMbMedian }, tsx: { ready: summary.tsx!.readyMsMedian, rss: summary.tsx!.rssReadyMbMedian } }));
