// GET /metrics (Prometheus text format) and the request-latency hook on every route. Installed
// on the root instance before any route so the hook sees all of them. Open unless
// KEYHOLE_METRICS_TOKEN is set; then it needs `Authorization: Bearer <that token>`.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { KeyholeMetrics } from '../integrations/metrics/metrics.js';
import { KeyholeError } from '../shared/errors.js';
import type { Runtime } from './runtime.js';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Adds the latency hook and GET /metrics to `app` (the root instance); returns the metrics. */
export function installMetrics(app: FastifyInstance, rt: Runtime, env: NodeJS.ProcessEnv = process.env): KeyholeMetrics {
  const metrics = new KeyholeMetrics({ db: rt.store.db, events: rt.events, clock: rt.clock });
  const token = env.KEYHOLE_METRICS_TOKEN?.trim();
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => metrics.close());
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token && !same(req.headers.authorization ?? '', `Bearer ${token}`)) throw new KeyholeError('UNAUTHENTICATED', 'This scrape needs the metrics token.');
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });
  return metrics;
}
