// Ticket routes: the agent's queue, one ticket, the customer view, verification, reveal
// requests, assignment and closing. Thin: validate, call the broker, return.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { CustomerViewSchema, errorResponses, FieldNameSchema, IdSchema, RevealRequestSchema, TicketSchema } from '../schemas.js';

const TicketParams = z.object({ id: IdSchema });

/** Registers the ticket routes. */
export function ticketRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/tickets', {
      schema: { tags: ['tickets'], summary: 'My ticket queue', querystring: z.strictObject({ status: z.enum(['open', 'closed']).default('open') }),
        response: { 200: z.object({ tickets: z.array(TicketSchema) }), ...errorResponses } },
    }, async (req) => ({ tickets: await rt.broker.tickets(ctxOf(req), req.query.status) }));

    app.get('/v1/tickets/:id', {
      schema: { tags: ['tickets'], summary: 'One ticket', params: TicketParams, response: { 200: TicketSchema, ...errorResponses } },
    }, async (req) => rt.broker.ticket(ctxOf(req), req.params.id));

    app.get('/v1/tickets/:id/customer', {
      schema: { tags: ['tickets'], summary: 'The customer behind the ticket, masked per the ticket purpose',
        description: 'Each field with its level and rendered value. Consumes single-use grants. Recorded on the audit log before the response.',
        params: TicketParams, response: { 200: CustomerViewSchema, ...errorResponses } },
    }, async (req) => rt.broker.view(ctxOf(req), req.params.id));

    app.post('/v1/tickets/:id/verify', {
      schema: { tags: ['tickets'], summary: 'Check a caller answer against a verify-only field (match / no match)', params: TicketParams,
        body: z.strictObject({ field: FieldNameSchema, answer: z.string().min(1).max(200) }),
        response: { 200: z.object({ match: z.boolean(), attemptsLeft: z.number().int() }), ...errorResponses } },
    }, async (req) => rt.broker.verify(ctxOf(req), req.params.id, req.body.field, req.body.answer));

    app.post('/v1/tickets/:id/reveals', {
      schema: { tags: ['reveals'], summary: 'Request a reveal of fields above the purpose default', params: TicketParams,
        body: z.strictObject({ fields: z.array(FieldNameSchema).min(1).max(24), reason: z.string().trim().min(5).max(500) }),
        response: { 201: RevealRequestSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(await rt.broker.requestReveal(ctxOf(req), req.params.id, req.body.fields, req.body.reason)));

    app.post('/v1/tickets/:id/assign', {
      schema: { tags: ['tickets'], summary: 'Assign a ticket (supervisor)', params: TicketParams, body: z.strictObject({ agentId: IdSchema }),
        response: { 200: TicketSchema, ...errorResponses } },
    }, async (req) => rt.broker.assign(ctxOf(req), req.params.id, req.body.agentId));

    app.post('/v1/tickets/:id/close', {
      schema: { tags: ['tickets'], summary: 'Close a ticket; revokes its grants', params: TicketParams, response: { 200: TicketSchema, ...errorResponses } },
    }, async (req) => rt.broker.close(ctxOf(req), req.params.id));
  };
}
