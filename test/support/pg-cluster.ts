// A throwaway PostgreSQL cluster for tests that must stop or restart the server (the
// durability test): initdb into a temporary directory, pg_ctl start/restart/stop on a free
// port on 127.0.0.1, and removal afterwards. Never touches the machine's shared cluster.
// PostgreSQL refuses to run as root, so as root every command runs as the `postgres` user
// through runuser(1).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A running throwaway cluster. */
export interface PgCluster {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Stops and starts the server (`pg_ctl restart -m fast`): every connection is closed. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown). */
  stop(): Promise<void>;
  /** Starts a stopped server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** The bin directory of the newest installed PostgreSQL >= 15 (Debian layout, or pg_config),
 *  or undefined when there is none. */
export function postgresBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).map(Number).filter((v) => v >= 15).sort((a, b) => b - a);
    for (const v of versions) {
      const bin = path.join(debian, String(v), 'bin');
      if (existsSync(path.join(bin, 'initdb'))) return bin;
    }
  }
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    return existsSync(path.join(bin, 'initdb')) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(bin: string, cmd: string, args: readonly string[]): void {
  const file = path.join(bin, cmd);
  const [exe, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
  execFileSync(exe, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** Creates and starts a cluster (trust authentication, 127.0.0.1 only, small memory).
 *  @throws Error when no PostgreSQL >= 15 is installed (callers skip on `postgresBinDir()`). */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL >= 15 installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-pg-'));
  chmodSync(dir, 0o700);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  run(bin, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=40 -c fsync=off -c full_page_writes=off`;
  const ctl = (...args: string[]) => run(bin, 'pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', ...args]);
  ctl('-o', options, 'start');
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      ctl('-m', 'fast', '-o', options, 'restart');
      running = true;
    },
    async stop() {
      ctl('-m', 'fast', 'stop');
      running = false;
    },
    async start() {
      ctl('-o', options, 'start');
      running = true;
    },
    async destroy() {
      try {
        if (running) ctl('-m', 'immediate', 'stop');
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
