// The generic adapter for in-house helpdesks: a JSON webhook signed with
// `X-Keyhole-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`
// (signatures.ts) whose body names the event directly:
//   {"event": "ticket.created" | "ticket.assigned" | "ticket.closed",
//    "ticket": {"id", "subject", "requesterEmail", "requesterExternalId", "assigneeEmail", "tags", "fields"}}
import { z } from 'zod';
import type { HelpdeskConfig } from './config.js';
import { purposeFor } from './config.js';
import type { TicketEvent } from './sync-core.js';

const GenericBody = z.strictObject({
  id: z.string().max(200).optional(),
  event: z.enum(['ticket.created', 'ticket.assigned', 'ticket.closed']),
  ticket: z.strictObject({
    id: z.string().min(1).max(200),
    subject: z.string().max(10_000).optional(),
    requesterEmail: z.string().max(320).optional(),
    requesterExternalId: z.string().max(200).optional(),
    assigneeEmail: z.string().max(320).optional(),
    tags: z.array(z.string().max(200)).max(500).optional(),
    fields: z.record(z.string().max(100), z.string().max(1000)).optional(),
  }),
});

/** The TicketEvent of one verified generic webhook body. @throws ZodError otherwise. */
export function genericEvent(body: unknown, cfg: Pick<HelpdeskConfig, 'rules' | 'defaultPurpose'>): TicketEvent {
  const b = GenericBody.parse(body);
  const t = b.ticket;
  const source = 'generic';
  if (b.event === 'ticket.created') {
    return {
      kind: 'created', source, externalTicketId: t.id, subject: t.subject ?? '', requesterEmail: t.requesterEmail, requesterExternalId: t.requesterExternalId,
      assigneeEmail: t.assigneeEmail, purpose: purposeFor(cfg, t.tags ?? [], t.fields ?? {}),
    };
  }
  if (b.event === 'ticket.assigned') return { kind: 'assigned', source, externalTicketId: t.id, assigneeEmail: t.assigneeEmail };
  return { kind: 'closed', source, externalTicketId: t.id };
}
