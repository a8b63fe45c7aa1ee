// The load generator of the HTTP benchmarks, run as its own process (bench/broker.ts and
// bench/scale.ts spawn it) so that its work never shares the server's event loop. Reads one
// JSON job from stdin: { url, requests: [{ path, token, method?, body? }], connections, durationS,
// rate? } and
// drives the requests round-robin (each with its own bearer token): as fast as `connections`
// allow with autocannon, or with `rate` evenly paced and open-loop (bench/paced-client.ts;
// autocannon's rate limit sends each second's quota in one burst). Then prints one JSON line:
// { rps, p50, p99, errors, non2xx, timeouts, failures }.
import autocannon from 'autocannon';
import { drivePaced } from './paced-client.js';

interface Job {
  readonly url: string;
  readonly requests: ReadonlyArray<{ readonly path: string; readonly token: string; readonly method?: string; readonly body?: string }>;
  readonly connections: number;
  readonly durationS: number;
  readonly rate?: number;
}

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
if (job.rate !== undefined) {
  process.stdout.write(`${JSON.stringify(await drivePaced({ ...job, rate: job.rate }))}\n`);
  process.exit(0);
}
const failures: string[] = [];
let i = 0;
const r = await autocannon({
  url: job.url, connections: job.connections, duration: job.durationS,
  requests: [{
    setupRequest: (req) => {
      const next = job.requests[i++ % job.requests.length]!;
      const headers = { ...req.headers, authorization: `Bearer ${next.token}`, ...(next.body !== undefined ? { 'content-type': 'application/json' } : {}) };
      return { ...req, path: next.path, method: (next.method ?? 'GET') as 'GET', headers, ...(next.body !== undefined ? { body: next.body } : {}) };
    },
    onResponse: (status, body) => {
      if ((status < 200 || status > 299) && failures.length < 5) failures.push(`${status} ${body.slice(0, 200)}`);
    },
  }],
});
process.stdout.write(`${JSON.stringify({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts, failures })}\n`);
