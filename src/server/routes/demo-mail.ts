// GET /v1/demo/mail: what demo mode's mail catcher (src/incident/mail-catcher.ts) "sent" — the
// customer notices the outbox delivered to it. Security role only (the messages name customers).
// Registered in the authenticated scope by `keyhole serve` in demo mode, and nowhere else.
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MailCatcher } from '../../incident/mail-catcher.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import { errorResponses } from '../schemas.js';

export const CaughtMailSchema = z.object({
  id: z.number().int(), receivedAt: z.string(), from: z.string(), to: z.string(), subject: z.string(), messageId: z.string(),
  body: z.string().describe('the raw text body as sent (at most 64 KiB)'),
});

/** The route over `catcher`. */
export function demoMailRoutes(catcher: MailCatcher): (app: FastifyInstance) => Promise<void> {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get('/v1/demo/mail', {
      schema: { tags: ['demo'], summary: "Mail demo mode's local catcher received (KEYHOLE_DEMO=1 only; security role)",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ smtpUrl: z.string(), messages: z.array(CaughtMailSchema) }), ...errorResponses } },
    }, async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may read the sent mail.');
      return { smtpUrl: catcher.url, messages: catcher.messages().slice(0, req.query.limit) };
    });
  };
  return plugin as unknown as (app: FastifyInstance) => Promise<void>;
}
