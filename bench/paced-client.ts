// The paced (open-loop) load of the HTTP benchmarks: request k is due at start + k / rate,
// evenly spaced, whatever happened to the requests before it, and sent on one of `connections`
// keep-alive connections (node:http's Agent queues it while all are busy). Its latency counts
// from the moment it was due, not from when a connection was free, so a stall of the server
// shows in every request that had to wait behind it (no coordinated omission). autocannon's
// own rate limit does not pace: each connection sends its quota for the second back to back at
// the start of the second and then idles, so its "paced" latency measures bursts of a whole
// second's requests at once.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { pct } from './proof-timing.js';

/** One request: path, bearer token, and optionally method and JSON body. */
export interface PacedRequest {
  readonly path: string;
  readonly token: string;
  readonly method?: string;
  readonly body?: string;
}

/** What a paced run measured: achieved requests/s, latency percentiles in ms from each
 *  request's due time, counts of transport errors, non-2xx answers and timeouts, and the first
 *  few failures (status and the start of the body). */
export interface PacedResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  failures: string[];
}

const TIMEOUT_MS = 10_000;

/** The p-th percentile (0–100) of `xs` in ms, rounded to 0.1 ms; NaN when empty. */
const percentile = (xs: readonly number[], p: number): number => Math.round(pct(xs, p) * 10) / 10;

/** Drives `requests` round-robin against `url` at `rate` requests/s for `durationS` seconds on
 *  at most `connections` connections, and resolves once every request sent has answered or
 *  timed out (10 s). */
export async function drivePaced(job: { url: string; requests: readonly PacedRequest[]; connections: number; durationS: number; rate: number }): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const target = new URL(job.url);
  const latencies: number[] = [];
  const failures: string[] = [];
  let errors = 0;
  let non2xx = 0;
  let timeouts = 0;
  const inFlight = new Set<Promise<void>>();
  const send = (r: PacedRequest, due: number): Promise<void> => new Promise<void>((resolve) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${r.token}` };
    if (r.body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) });
    let timedOut = false;
    const failed = (e: Error) => {
      if (!timedOut) errors++;
      if (failures.length < 5) failures.push(e.message);
      resolve();
    };
    const req = http.request({ agent, host: target.hostname, port: target.port, path: r.path, method: r.method ?? 'GET', headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', failed); // the connection broke mid-answer
      res.on('end', () => {
        latencies.push(performance.now() - due);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          non2xx++;
          if (failures.length < 5) failures.push(`${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
        }
        resolve();
      });
    });
    req.on('timeout', () => { timedOut = true; timeouts++; req.destroy(new Error('timeout')); });
    req.on('error', failed);
    req.end(r.body);
  });
  const start = performance.now();
  const total = Math.floor(job.rate * job.durationS);
  const interval = 1000 / job.rate;
  let next = 0;
  while (next < total) {
    const now = performance.now();
    for (; next < total && start + next * interval <= now; next++) {
      const p = send(job.requests[next % job.requests.length]!, start + next * interval);
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
    }
    if (next < total) await new Promise((r) => setTimeout(r, Math.max(0, start + next * interval - performance.now())));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  return { rps: Math.round((latencies.length / elapsedS) * 100) / 100, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, non2xx, timeouts, failures };
}
