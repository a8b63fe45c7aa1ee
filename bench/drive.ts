// Runs bench/load-client.ts in a child process (its own event loop) and returns its figures.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one load run measured (latencies in ms, autocannon's percentiles). */
export interface LoadRun { rps: number; p50: number; p99: number; errors: number; non2xx: number; timeouts: number; failures: string[] }

/** Drives `requests` (path + bearer token each, round-robin) against `url` from a child process
 *  for `durationS` seconds with `connections` connections, paced to `rate` requests/s if set. */
export function driveFromChild(job: { url: string; requests: ReadonlyArray<{ path: string; token: string; method?: string; body?: string }>; connections: number; durationS: number; rate?: number }): Promise<LoadRun> {
  const script = fileURLToPath(new URL('./load-client.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load client exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() as string) as LoadRun);
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
