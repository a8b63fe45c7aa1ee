// npm run bench:detect — the detectors against incident-shaped insiders and benign controls.
// Every scenario runs over DETECT_SEEDS seeds (20) × DETECT_DAYS simulated days (30) with
// DETECT_AGENTS agents (200) and DETECT_CUSTOMERS customers (2,000,000), through the in-memory
// model of the broker (same guard rules, same audit records) feeding the real detection engine,
// in forked workers (one per core). Every scenario (DETECT_REAL_PATH: all, a list, or none) also
// runs once through the real HTTP server — the Fastify app over the real broker, guard, log,
// integrator and detector consumer, on PostgreSQL (KEYHOLE_BENCH_DATABASE_URL, an admin URL: one
// fresh database per run, dropped after; PGlite when unset), with the server's clock held by the
// simulator — in a smaller world (DETECT_REAL_AGENTS, DETECT_REAL_CUSTOMERS, DETECT_REAL_DAYS),
// next to the model on the same world: `realPath` in the results, side by side, agreeing when
// ABC differs by at most REAL_PATH_ABC_TOLERANCE and containment is the same (the same tolerance
// as test/sim/real-path.test.ts). Then: replay throughput of the engine on one core and memory
// per agent. Writes bench/results/detect.json and prints a table.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { loadDetectConfig } from '../src/detect/config.js';
import { DetectionEngine } from '../src/detect/engine.js';
import type { AuditRecord } from '../src/shared/audit-entry.js';
import { brokerCustomerSource, createBrokerDriver } from '../src/sim/broker-driver.js';
import { SCENARIOS, scenarioByName } from '../src/sim/scenarios.js';
import { modelDriver, runScenario, type RunResult } from '../src/sim/simulator.js';
import { benignRates, summarizeScenario, type ScenarioSummary } from '../src/sim/summary.js';
import { buildWorld, WorldContext } from '../src/sim/world.js';

const env = process.env;
const SEEDS = Number(env.DETECT_SEEDS ?? 20);
const DAYS = Number(env.DETECT_DAYS ?? 30);
const AGENTS = Number(env.DETECT_AGENTS ?? 200);
const CUSTOMERS = Number(env.DETECT_CUSTOMERS ?? 2_000_000);
const WORKERS = Number(env.DETECT_WORKERS ?? availableParallelism());
const ONLY = env.DETECT_SCENARIOS?.split(',').filter(Boolean);
const REAL = env.DETECT_REAL_PATH ?? 'all';
const REAL_WORLD = { agents: Number(env.DETECT_REAL_AGENTS ?? 20), customers: Number(env.DETECT_REAL_CUSTOMERS ?? 2000), days: Number(env.DETECT_REAL_DAYS ?? DAYS), seed: 1 };
/** The PostgreSQL server of the real path (an admin URL; a database per run is created and dropped). */
const REAL_PG = env.KEYHOLE_BENCH_DATABASE_URL;
/** Model and real path agree when ABC differs by at most this (test/sim/real-path.test.ts). */
const REAL_PATH_ABC_TOLERANCE = 1;
/** The detection configuration: the defaults, or KEYHOLE_DETECT_CONFIG merged over them. */
const CONFIG = loadDetectConfig(env.KEYHOLE_DETECT_CONFIG);

/** A unit of work for a worker. */
type Job = { readonly mode: 'model' | 'http' | 'model-small'; readonly scenario: string; readonly seed: number };

if (process.argv.includes('--worker')) {
  process.on('message', (job: Job) => {
    void work(job).then((r) => process.send?.({ ok: true, job, r }), (e: unknown) => process.send?.({ ok: false, job, error: String(e instanceof Error ? e.stack : e) }));
  });
} else {
  await main();
}

async function work(job: Job): Promise<RunResult> {
  const scenario = scenarioByName(job.scenario);
  if (job.mode === 'model') return runScenario({ scenario, seed: job.seed, agents: AGENTS, customers: CUSTOMERS, days: DAYS, config: CONFIG });
  const start = Date.UTC(2026, 1, 2);
  const pg = job.mode === 'http' && REAL_PG ? await createDatabase(REAL_PG) : undefined;
  return runScenario({
    scenario, seed: job.seed, agents: REAL_WORLD.agents, customers: REAL_WORLD.customers, days: REAL_WORLD.days, config: CONFIG,
    world: { customerSource: brokerCustomerSource(job.seed, start), start },
    ...(job.mode === 'http' ? { driver: (w, _c, h, cfg) => createBrokerDriver(w, h, cfg, { http: true, databaseUrl: pg?.url, release: pg?.drop }) } : {}),
  });
}

/** A fresh database on the server of `adminUrl`; `drop()` removes it. */
async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `keyhole_bench_${randomBytes(6).toString('hex')}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try { await c.query(q); } finally { await c.end(); }
  };
  await run(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function main(): Promise<void> {
  const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.name));
  const real = REAL === 'none' ? [] : REAL === 'all' ? scenarios.map((s) => s.name) : REAL.split(',').filter(Boolean);
  const jobs: Job[] = [
    // Every HTTP run before any model run in a worker: a model run earlier in the same process
    // was once seen to change a later HTTP run (not yet explained; see the issue 15 report).
    ...real.map((s) => ({ mode: 'http' as const, scenario: s, seed: REAL_WORLD.seed })),
    ...real.map((s) => ({ mode: 'model-small' as const, scenario: s, seed: REAL_WORLD.seed })),
    ...Array.from({ length: SEEDS }, (_, i) => scenarios.map((s) => ({ mode: 'model' as const, scenario: s.name, seed: i + 1 }))).flat(),
  ];
  const t0 = performance.now();
  console.log(`bench:detect — ${scenarios.length} scenarios × ${SEEDS} seeds × ${DAYS} days, ${AGENTS} agents, ${CUSTOMERS.toLocaleString('en')} customers; ${WORKERS} workers; real path (HTTP server on ${REAL_PG ? 'PostgreSQL' : 'PGlite'}, ${REAL_WORLD.agents} agents, ${REAL_WORLD.customers} customers, ${REAL_WORLD.days} days): ${real.join(', ') || 'none'}`);
  const bar = new cliProgress.SingleBar({ format: 'detect [{bar}] {percentage}% | {value}/{total} runs | {duration_formatted} elapsed, ETA {eta_formatted} | {last}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 30_000 }, cliProgress.Presets.shades_classic);
  bar.start(jobs.length, 0, { last: '' });
  const results = await pool(jobs, (job, r) => bar.increment({ last: `${job.mode === 'model' ? '' : `${job.mode} `}${job.scenario}#${job.seed}: ABC ${r.abc}${r.contained ? '' : ' (not contained)'}` }));
  bar.stop();
  const model = results.filter((x) => x.job.mode === 'model').map((x) => x.r);
  const summaries = scenarios.map((s) => summarizeScenario(s, model.filter((r) => r.scenario === s.name)));
  const benign = benignRates(model);
  const replay = await measureReplay();
  const realPath = real.map((s) => {
    const b = results.find((x) => x.job.mode === 'http' && x.job.scenario === s)?.r;
    const m = results.find((x) => x.job.mode === 'model-small' && x.job.scenario === s)?.r;
    const pick = (r?: RunResult) => (r ? { abc: r.abc, contained: r.contained, ttcMinutes: r.ttcMs === null ? null : Math.round(r.ttcMs / 60_000), detectedBy: r.detectedBy, records: r.records, benignAlerts: r.benignAlerts, falseContainments: r.falseContainments, agentDays: r.agentDays } : null);
    return {
      scenario: s, world: REAL_WORLD, database: REAL_PG ? 'postgresql' : 'pglite', model: pick(m), realPath: pick(b), abcTolerance: REAL_PATH_ABC_TOLERANCE,
      agree: !!b && !!m && Math.abs(b.abc - m.abc) <= REAL_PATH_ABC_TOLERANCE && b.contained === m.contained && b.falseContainments === m.falseContainments,
    };
  });
  const out = {
    setup: { seeds: SEEDS, days: DAYS, agents: AGENTS, customers: CUSTOMERS, workers: WORKERS, driver: 'in-memory model of the broker (src/sim/model-broker.ts) feeding the real detection engine; realPath: each scenario once through the real HTTP server (src/sim/http-driver.ts) beside the model on the same smaller world', config: CONFIG.risk, node: process.version, at: new Date().toISOString(), seconds: Math.round((performance.now() - t0) / 1000) },
    targets: targets(summaries, benign, replay.eventsPerSecond),
    scenarios: Object.fromEntries(summaries.map((s) => [s.scenario, s])),
    benign,
    replay,
    realPath,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/detect.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  printTable(summaries, benign, replay, realPath);
}

/** Runs `jobs` on WORKERS forked workers, longest jobs first. */
function pool(jobs: readonly Job[], onDone: (job: Job, r: RunResult) => void): Promise<Array<{ job: Job; r: RunResult }>> {
  const queue = [...jobs];
  const out: Array<{ job: Job; r: RunResult }> = [];
  return new Promise((resolve, reject) => {
    let live = 0;
    const next = (w: ChildProcess) => {
      const job = queue.shift();
      if (!job) {
        w.kill();
        if (--live === 0) resolve(out);
        return;
      }
      w.send(job);
    };
    for (let i = 0; i < Math.max(1, Math.min(WORKERS, jobs.length)); i++) {
      const w = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      live++;
      w.on('message', (m: { ok: boolean; job: Job; r?: RunResult; error?: string }) => {
        if (!m.ok) return reject(new Error(`${m.job.mode} ${m.job.scenario}#${m.job.seed}: ${m.error}`));
        out.push({ job: m.job, r: m.r as RunResult });
        onDone(m.job, m.r as RunResult);
        next(w);
      });
      next(w);
    }
  });
}

/** The engine alone replaying a recorded benign stream on this core; memory per agent. */
async function measureReplay() {
  const keep: AuditRecord[] = [];
  const days = Math.min(DAYS, 10);
  const scenario = scenarioByName('surge-day');
  const w = buildWorld({ seed: 99, agents: AGENTS, customers: CUSTOMERS, days });
  await runScenario({ scenario, seed: 99, agents: AGENTS, customers: CUSTOMERS, days, config: CONFIG, driver: (world, ctx, hooks, cfg) => modelDriver(world, ctx, hooks, cfg, keep) });
  return { ...replayOnce(keep, w, 'recording'), scenario: scenario.name, days };
}

function replayOnce(records: readonly AuditRecord[], w: ReturnType<typeof buildWorld>, _label: string) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let best = 0;
  let engine: DetectionEngine | undefined;
  let heap = 0;
  for (let round = 0; round < 3; round++) {
    const ctx = new WorldContext(w);
    ctx.now = w.start + w.days * 86_400_000;
    engine = undefined;
    gc();
    const before = process.memoryUsage().heapUsed;
    engine = new DetectionEngine({ config: CONFIG, ctx });
    const t = performance.now();
    for (let i = 0; i < records.length; i++) engine.ingest(i, records[i] as AuditRecord);
    const rate = records.length / ((performance.now() - t) / 1000);
    engine.takeActions();
    gc();
    heap = process.memoryUsage().heapUsed - before;
    best = Math.max(best, rate);
  }
  const agents = engine?.agentCount ?? 1;
  return { events: records.length, eventsPerSecond: Math.round(best), agents, stateBytesPerAgent: Math.round(engine?.stateBytesPerAgent() ?? 0), heapBytesPerAgent: Math.round(heap / agents) };
}

function targets(s: readonly ScenarioSummary[], benign: ReturnType<typeof benignRates>, eps: number) {
  const t = s.filter((x) => x.target).map((x) => ({ scenario: x.scenario, group: x.target?.group, abcTarget: x.target?.abcMax, abcMax: x.abc?.max, abcP90: x.abc?.p90, allContained: x.containedRuns === x.runs, met: x.target?.met }));
  return {
    scenarios: t,
    falseContainmentsPer1000: { value: benign.falseContainmentsPer1000, target: 0.05, met: benign.falseContainmentsPer1000 <= 0.05 },
    alertsPer1000: { value: benign.alertsPer1000, target: 3, met: benign.alertsPer1000 <= 3 },
    replayEventsPerSecond: { value: eps, target: 100_000, met: eps >= 100_000 },
  };
}

function printTable(s: readonly ScenarioSummary[], benign: ReturnType<typeof benignRates>, replay: Awaited<ReturnType<typeof measureReplay>>, real: ReadonlyArray<{ scenario: string; agree: boolean; realPath: unknown; model: unknown }>): void {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '∞' : String(x));
  console.log('\nscenario              kind     runs  ABC med/p90/max   contained  hours to containment med/p90/max  target  fc  alerts');
  for (const x of s) {
    const abc = x.abc ? `${f(x.abc.median)}/${f(x.abc.p90)}/${f(x.abc.max)}` : '';
    const ttc = x.timeToContainmentHours ? `${f(x.timeToContainmentHours.median)}/${f(x.timeToContainmentHours.p90)}/${f(x.timeToContainmentHours.max)}` : '';
    const target = x.target ? `≤${x.target.abcMax} ${x.target.met ? 'met' : 'MISSED'}` : '';
    console.log(`${x.scenario.padEnd(21)} ${x.kind.padEnd(8)} ${String(x.runs).padStart(4)}  ${abc.padEnd(16)} ${x.containedRuns === undefined ? ''.padEnd(9) : `${x.containedRuns}/${x.runs}`.padEnd(9)}  ${ttc.padEnd(30)} ${target.padEnd(11)} ${String(x.falseContainments).padStart(3)} ${String(x.alerts).padStart(6)}`);
  }
  console.log(`\nbenign agents: ${benign.agentDays} agent-days, ${benign.falseContainments} false containments (${benign.falseContainmentsPer1000} per 1,000 agent-days; target ≤ 0.05), ${benign.alerts} alerts (${benign.alertsPer1000} per 1,000; target ≤ 3)`);
  console.log(`replay: ${replay.events} events at ${replay.eventsPerSecond.toLocaleString('en')} events/s on one core (target ≥ 100,000); state ${replay.stateBytesPerAgent} B/agent as JSON, heap ${replay.heapBytesPerAgent} B/agent`);
  for (const b of real) console.log(`real path ${b.scenario}: HTTP ${JSON.stringify(b.realPath)} model ${JSON.stringify(b.model)} → ${b.agree ? 'agree' : 'DIFFER'}`);
}
