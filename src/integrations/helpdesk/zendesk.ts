// The Zendesk adapter: ticket event webhooks (event schema 2022-11-06:
// `zen:event-type:ticket.created`, `…ticket.agent_assignment_changed`, `…ticket.status_changed`;
// developer.zendesk.com/api-reference/webhooks/event-types/ticket-events) into TicketEvents.
// The events carry user ids, so requester and assignee e-mails come from the Users API
// (GET /api/v2/users/{id}); the Keyhole link goes back as a private comment
// (PUT /api/v2/tickets/{id}). Payloads are attacker-controlled until the signature verifies,
// and parsed with zod after that.
import { z } from 'zod';
import type { HelpdeskApi, HelpdeskConfig } from './config.js';
import { purposeFor } from './config.js';
import type { TicketEvent } from './sync-core.js';

const Id = z.union([z.string().max(40), z.number().int()]).transform(String);
const ZendeskEvent = z.object({
  type: z.string().max(100),
  id: z.string().max(100).optional(),
  detail: z.object({
    id: Id,
    subject: z.string().max(10_000).optional(),
    requester_id: Id.nullish(),
    assignee_id: Id.nullish(),
    status: z.string().max(40).optional(),
    tags: z.array(z.string().max(200)).max(500).optional(),
    custom_fields: z.array(z.object({ id: Id, value: z.unknown() })).max(500).optional(),
  }).passthrough(),
  event: z.object({ current: z.unknown().optional(), previous: z.unknown().optional() }).passthrough().optional(),
}).passthrough();

/** A Zendesk user as the Users API returns it (only what matching needs). */
export interface ZendeskUser {
  readonly email: string | undefined;
  readonly externalId: string | undefined;
}

/** The slice of the Zendesk API the adapter uses. */
export interface ZendeskDirectory {
  user(id: string): Promise<ZendeskUser | undefined>;
  linkBack(ticketId: string, url: string): Promise<void>;
}

/** The Zendesk REST API over fetch (API token authentication, `email/token:API_TOKEN`). */
export function zendeskApi(api: HelpdeskApi): ZendeskDirectory {
  const headers = { authorization: api.authorization, 'content-type': 'application/json', accept: 'application/json' };
  return {
    async user(id) {
      if (!/^[0-9]{1,20}$/.test(id)) return undefined;
      const r = await fetch(`${api.baseUrl}/api/v2/users/${id}.json`, { headers, signal: AbortSignal.timeout(10_000) });
      if (!r.ok) return undefined;
      const body = z.object({ user: z.object({ email: z.string().max(320).nullish(), external_id: z.string().max(200).nullish() }) }).safeParse(await r.json());
      return body.success ? { email: body.data.user.email ?? undefined, externalId: body.data.user.external_id ?? undefined } : undefined;
    },
    async linkBack(ticketId, url) {
      if (!/^[0-9]{1,20}$/.test(ticketId)) return;
      await fetch(`${api.baseUrl}/api/v2/tickets/${ticketId}.json`, {
        method: 'PUT', headers, signal: AbortSignal.timeout(10_000),
        body: JSON.stringify({ ticket: { comment: { body: `Keyhole ticket: ${url}`, public: false } } }),
      });
    },
  };
}

const CLOSED = new Set(['solved', 'closed']);

/** The TicketEvent of one verified Zendesk webhook body, or undefined for event types Keyhole
 *  does not act on. @throws ZodError on a body that is not a Zendesk ticket event. */
export async function zendeskEvent(body: unknown, cfg: Pick<HelpdeskConfig, 'rules' | 'defaultPurpose'>, dir: ZendeskDirectory | undefined): Promise<TicketEvent | undefined> {
  const ev = ZendeskEvent.parse(body);
  const d = ev.detail;
  const source = 'zendesk';
  const email = async (id: string | null | undefined) => (id && id !== '0' && dir ? (await dir.user(id))?.email : undefined);
  switch (ev.type) {
    case 'zen:event-type:ticket.created': {
      const requester = d.requester_id && dir ? await dir.user(d.requester_id) : undefined;
      const fields = Object.fromEntries((d.custom_fields ?? []).map((f) => [f.id, typeof f.value === 'string' ? f.value : JSON.stringify(f.value)]));
      return {
        kind: 'created', source, externalTicketId: d.id, subject: d.subject ?? '', requesterEmail: requester?.email, requesterExternalId: requester?.externalId,
        assigneeEmail: await email(d.assignee_id), purpose: purposeFor(cfg, d.tags ?? [], fields),
      };
    }
    case 'zen:event-type:ticket.agent_assignment_changed': {
      const c = ev.event?.current;
      const current = typeof c === 'string' || typeof c === 'number' ? String(c)
        : c !== null && typeof c === 'object' && 'id' in c && (typeof c.id === 'string' || typeof c.id === 'number') ? String(c.id) : d.assignee_id;
      return { kind: 'assigned', source, externalTicketId: d.id, assigneeEmail: await email(current) };
    }
    case 'zen:event-type:ticket.status_changed': {
      const status = String(ev.event?.current ?? d.status ?? '').toLowerCase();
      return CLOSED.has(status) ? { kind: 'closed', source, externalTicketId: d.id } : undefined;
    }
    default:
      return undefined;
  }
}
