// Lookup for inbound contacts: exact match only; opens a ticket or answers one uniform 404.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, PurposeSchema, TicketSchema } from '../schemas.js';

const LookupBody = z.strictObject({
  email: z.string().min(3).max(254).optional(),
  phone: z.string().min(4).max(32).optional(),
  accountId: z.string().min(1).max(64).optional(),
  purpose: PurposeSchema.default('general_inquiry'),
  channel: z.enum(['phone', 'email', 'chat']).default('phone'),
  subject: z.string().trim().min(1).max(200).default('Inbound contact'),
}).refine((b) => [b.email, b.phone, b.accountId].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of email, phone, accountId' });

/** Registers POST /v1/lookups. */
export function lookupRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/lookups', {
      schema: { tags: ['tickets'], summary: 'Find the customer of an inbound contact by exact e-mail, phone or account id and open a ticket',
        body: LookupBody, response: { 201: TicketSchema, ...errorResponses } },
    }, async (req, reply) => {
      const b = req.body;
      const key = b.email !== undefined ? { email: b.email } : b.phone !== undefined ? { phone: b.phone } : { accountId: b.accountId as string };
      const ticket = await rt.broker.lookup(ctxOf(req), key, { purpose: b.purpose, channel: b.channel, subject: b.subject });
      return reply.status(201).send(ticket);
    });
  };
}
