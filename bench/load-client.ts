// The load generator of the HTTP benchmarks, run as its own process (bench/broker.ts and
// bench/scale.ts spawn it) so that its work never shares the server's event loop. Reads one
// JSON job from stdin: { url, requests: [{ path, token, method?, body? }], connections, durationS,
// rate? } and
// drives the requests round-robin with autocannon (each with its own bearer token), then
// prints one JSON line: { rps, p50, p99, errors, non2xx, timeouts, failures }.
import autocannon from 'autocannon';

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
const failures: string[] = [];
let i = 0;
const r = await autocannon({
  url: job.url, connections: job.connections, duration: job.durationS, ...(job.rate ? { overallRate: job.rate } : {}),
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
