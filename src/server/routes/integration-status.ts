// GET /v1/security/integrations: what the security dashboard shows of the integrations — each
// SIEM sink's cursor and lag, helpdesk tickets whose requester matched no customer, and the
// latest customer imports. Security staff only; names, counts and positions, no customer data.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { siemLag } from '../../integrations/siem/shipper.js';
import type { IntegrationDb } from '../../integrations/tables.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf, requireAgent } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';

const Status = z.object({
  siem: z.array(z.object({ sink: z.string(), nextSeq: z.number(), lag: z.number().describe('log entries not yet delivered'), delivered: z.number(), updatedAt: z.string() })),
  helpdesk: z.object({ unmatched: z.record(z.string(), z.number()).describe('per helpdesk'), linked: z.record(z.string(), z.number()) }),
  imports: z.array(z.object({ id: z.string(), fileName: z.string(), format: z.string(), line: z.number(), created: z.number(), updated: z.number(), rejected: z.number(),
    startedAt: z.string(), finishedAt: z.string().nullable() })),
});

/** Registers GET /v1/security/integrations in its own scope with the agent auth hook. */
export function integrationStatusRoutes(rt: Runtime): FastifyPluginAsyncZod {
  const db = rt.db as unknown as IntegrationDb;
  return async (app) => {
    requireAgent(app, rt);
    app.get('/v1/security/integrations', {
      schema: { tags: ['security'], summary: 'SIEM sink lag, unmatched helpdesk tickets and customer imports', response: { 200: Status, ...errorResponses } },
    }, async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may see the integrations.');
      const lag = new Map((await siemLag(db)).map((l) => [l.sink, l]));
      const cursors = await db.selectFrom('siem_cursors').select(['sink', 'delivered', 'updated_at']).orderBy('sink').execute();
      const count = async (table: 'helpdesk_unmatched' | 'helpdesk_tickets') => Object.fromEntries((await db.selectFrom(table)
        .select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').execute()).map((r) => [r.source, Number(r.n)]));
      const imports = await db.selectFrom('customer_imports').selectAll().orderBy('started_at', 'desc').limit(20).execute();
      return {
        siem: cursors.map((c) => ({ sink: c.sink, nextSeq: lag.get(c.sink)?.nextSeq ?? 0, lag: lag.get(c.sink)?.lag ?? 0, delivered: Number(c.delivered), updatedAt: new Date(c.updated_at).toISOString() })),
        helpdesk: { unmatched: await count('helpdesk_unmatched'), linked: await count('helpdesk_tickets') },
        imports: imports.map((i) => ({ id: i.id, fileName: i.file_name, format: i.format, line: Number(i.line), created: Number(i.created), updated: Number(i.updated), rejected: Number(i.rejected),
          startedAt: new Date(i.started_at).toISOString(), finishedAt: i.finished_at ? new Date(i.finished_at).toISOString() : null })),
      };
    });
  };
}
