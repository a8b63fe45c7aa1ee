// The Freshdesk adapter: the webhook action of a Freshdesk automation rule, sending the ticket
// in Freshdesk's "simple" JSON content (`{"freshdesk_webhook": {"ticket_id": …,
// "ticket_subject": …, "ticket_status": …, "ticket_tags": "a, b", "ticket_requester_email": …,
// "ticket_agent_email": …, "ticket_cf_<name>": …}}`) with HTTP Basic authentication (Freshdesk
// does not sign webhooks). Each delivery is a snapshot of the ticket, applied as up to three
// events (created, assigned, closed), which the core makes idempotent. The Keyhole link goes
// back as a private note (POST /api/v2/tickets/{id}/notes).
import { z } from 'zod';
import type { HelpdeskApi, HelpdeskConfig } from './config.js';
import { purposeFor } from './config.js';
import type { TicketEvent } from './sync-core.js';

const Text = z.union([z.string().max(10_000), z.number()]).transform(String);
const FreshdeskBody = z.object({
  freshdesk_webhook: z.object({
    ticket_id: Text.pipe(z.string().regex(/^[0-9]{1,20}$/)),
    ticket_subject: Text.optional(),
    ticket_status: Text.optional(),
    ticket_tags: Text.optional(),
    ticket_requester_email: Text.optional(),
    ticket_requester_external_id: Text.optional(),
    ticket_agent_email: Text.optional(),
  }).catchall(z.unknown()),
});

/** The events of one authenticated Freshdesk webhook body, in the order to apply them.
 *  @throws ZodError on a body that is not Freshdesk's simple ticket content. */
export function freshdeskEvents(body: unknown, cfg: Pick<HelpdeskConfig, 'rules' | 'defaultPurpose'>): TicketEvent[] {
  const t = FreshdeskBody.parse(body).freshdesk_webhook;
  const source = 'freshdesk';
  const tags = (t.ticket_tags ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) if (k.startsWith('ticket_cf_') && (typeof v === 'string' || typeof v === 'number')) fields[k.slice('ticket_cf_'.length)] = String(v);
  const agent = t.ticket_agent_email?.trim() || undefined;
  const out: TicketEvent[] = [{
    kind: 'created', source, externalTicketId: t.ticket_id, subject: t.ticket_subject ?? '', requesterEmail: t.ticket_requester_email,
    requesterExternalId: t.ticket_requester_external_id, assigneeEmail: agent, purpose: purposeFor(cfg, tags, fields),
  }];
  if (agent) out.push({ kind: 'assigned', source, externalTicketId: t.ticket_id, assigneeEmail: agent });
  if (['resolved', 'closed'].includes((t.ticket_status ?? '').toLowerCase())) out.push({ kind: 'closed', source, externalTicketId: t.ticket_id });
  return out;
}

/** Writes the Keyhole link back as a private note (Freshdesk API v2, Basic `API_KEY:X`). */
export async function freshdeskLinkBack(api: HelpdeskApi, ticketId: string, url: string): Promise<void> {
  if (!/^[0-9]{1,20}$/.test(ticketId)) return;
  await fetch(`${api.baseUrl}/api/v2/tickets/${ticketId}/notes`, {
    method: 'POST', signal: AbortSignal.timeout(10_000),
    headers: { authorization: api.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ body: `Keyhole ticket: <a href="${encodeURI(url)}">${encodeURI(url)}</a>`, private: true }),
  });
}
