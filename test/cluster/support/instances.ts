// Real `keyhole serve` processes on one PostgreSQL database for the cluster tests (issue 18):
// a fresh database seeded with a small demo exchange, instances started as child processes on
// free ports, their output kept line by line, and small HTTP helpers.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRuntime } from '../../../src/server/runtime.js';
import type { DemoSpec } from '../../../src/sim/demo-data.js';
import { seedDemo } from '../../../src/sim/seed.js';
import { createPostgresDatabase } from '../../support/databases.js';

/** A database with a seeded demo exchange and the master key its servers share. */
export interface ClusterDb {
  readonly url: string;
  readonly masterKey: string;
  /** The instances' data directory (the published-checkpoint file lives there, outside the
   *  database): one per test database, never the checkout's ./.keyhole/data. */
  readonly dataDir: string;
  drop(): Promise<void>;
}

/** A fresh data directory, removed by `drop`. */
export function clusterDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'keyhole-cluster-'));
}

/** The small demo the cluster tests seed (dated now: the servers run on the system clock). */
export const CLUSTER_DEMO: DemoSpec = { customers: 40, agents: 9, tickets: 80, seed: 7 };

/** Creates and seeds a fresh database on the server of `adminUrl`. */
export async function seededDatabase(adminUrl: string, spec: DemoSpec = CLUSTER_DEMO): Promise<ClusterDb> {
  const pg = await createPostgresDatabase(adminUrl);
  const masterKey = randomBytes(32).toString('base64');
  const rt = await createRuntime({ databaseUrl: pg.url, dataDir: ':memory:', integrate: false, detect: false, env: { KEYHOLE_MASTER_KEY: masterKey } });
  try {
    await seedDemo(rt.db, rt.vault, spec);
  } finally {
    await rt.close();
  }
  const dataDir = clusterDataDir();
  return { url: pg.url, masterKey, dataDir, drop: async () => { await pg.drop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** One `keyhole serve` child process. */
export class Instance {
  readonly lines: string[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  port = 0;
  #waiters: (() => void)[] = [];

  /** Starts `keyhole serve --port 0` (tsx, or `bin` when given) with `env` over the test's environment. */
  constructor(readonly tag: string, db: ClusterDb, env: NodeJS.ProcessEnv = {}, cmd: readonly string[] = ['--import', 'tsx', 'src/cli/main.ts']) {
    this.proc = spawn(process.execPath, [...cmd, 'serve', '--port', '0'], {
      env: { ...process.env, DATABASE_URL: db.url, KEYHOLE_MASTER_KEY: db.masterKey, KEYHOLE_DATA_DIR: db.dataDir, KEYHOLE_DEMO: '1', LOG_LEVEL: 'warn', ...env },
    });
    let rest = '';
    const take = (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const l of parts) {
        this.lines.push(l);
        const m = /serving on http:\/\/[^:]+:(\d+)\//.exec(l);
        if (m) this.port = Number(m[1]);
      }
      for (const w of this.#waiters.splice(0)) w();
    };
    this.proc.stdout.on('data', take);
    this.proc.stderr.on('data', (d: Buffer) => {
      if (process.env.CLUSTER_TEST_VERBOSE) process.stderr.write(`[${tag}] ${d}`);
      take(d);
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      for (const w of this.#waiters.splice(0)) w();
      resolve(code ?? (signal ? 128 : null));
    }));
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once the server listens. */
  ready(ms = 90_000): Promise<void> {
    return this.until(() => this.port > 0, ms);
  }

  /** Resolves when `pred` holds after some output (rejects after `ms`). */
  async until(pred: () => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`[${this.tag}] timed out; last lines: ${this.lines.slice(-8).join(' | ')}`);
      if (this.proc.exitCode !== null) throw new Error(`[${this.tag}] exited ${this.proc.exitCode}; last lines: ${this.lines.slice(-8).join(' | ')}`);
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 200); });
    }
  }

  /** A JSON request; returns status, parsed body (or text) and headers. */
  async request(method: string, path: string, opts: { cookie?: string; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json', origin: this.base } : method === 'GET' ? {} : { origin: this.base }) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  }

  /** Signs in as `agentId` through the demo picker; returns the Cookie header value. */
  async login(agentId: string): Promise<string> {
    const res = await fetch(`${this.base}/v1/demo/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: this.base }, body: JSON.stringify({ agentId }) });
    if (res.status !== 200) throw new Error(`login ${agentId} on ${this.tag}: ${res.status} ${await res.text()}`);
    const cookies = res.headers.getSetCookie().map((x) => x.split(';')[0]!);
    if (!cookies.some((x) => x.startsWith('kh_session='))) throw new Error('no session cookie');
    return cookies.join('; '); // the session and the device cookie it is bound to
  }

  /** Stops the process (SIGTERM, then SIGKILL after `ms`). */
  async stop(ms = 15_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGCONT');
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(t);
  }
}
