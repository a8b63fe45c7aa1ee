// Helpdesk webhooks: POST /v1/integrations/{zendesk,freshdesk,generic}/events. Public routes
// (no session, no bearer token): each request is authenticated by its sender's signature or
// credentials over the raw body (src/integrations/helpdesk/signatures.ts), refused when stale
// or replayed, then parsed by its adapter into the shared ticket-sync core. The answer carries
// the Keyhole ticket URL; it is also written back to the helpdesk ticket when its API is set.
import { z, ZodError } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { helpdeskConfigFromEnv, type HelpdeskConfig } from '../../integrations/helpdesk/config.js';
import { freshdeskEvents, freshdeskLinkBack } from '../../integrations/helpdesk/freshdesk.js';
import { genericEvent } from '../../integrations/helpdesk/generic.js';
import { refuseReplay, verifyBasic, verifyGeneric, verifyZendesk } from '../../integrations/helpdesk/signatures.js';
import { syncTicketEvent, type SyncResult, type TicketEvent } from '../../integrations/helpdesk/sync-core.js';
import { zendeskApi, zendeskEvent } from '../../integrations/helpdesk/zendesk.js';
import { createHash } from 'node:crypto';
import { KeyholeError } from '../../shared/errors.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';

const Result = z.object({
  outcome: z.enum(['opened', 'already_open', 'reassigned', 'closed', 'unchanged', 'unmatched_requester', 'unmatched_assignee', 'unknown_ticket', 'ignored']),
  ticketId: z.string().nullable(),
  url: z.string().nullable().describe('the Keyhole ticket the agent opens from the helpdesk'),
});
const schema = (summary: string) => ({ tags: ['integrations'], summary, response: { 200: Result, ...errorResponses } });
/** Helpdesk payloads carry the ticket's description: up to 1 MiB (the API's default is 64 KiB). */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Signature-authenticated, never a cookie: no same-origin check. */
const SIGNED = { guard: { sameOrigin: false as const } };

function json(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new KeyholeError('VALIDATION_FAILED', 'The webhook body is not JSON.');
  }
}

async function adapt<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ZodError) throw new KeyholeError('VALIDATION_FAILED', 'The webhook body is not a ticket event this adapter knows.');
    throw e;
  }
}

/** Applies events in order; the answer is the last one that changed something (or the first). */
async function applyAll(rt: Runtime, cfg: HelpdeskConfig, events: readonly TicketEvent[]): Promise<SyncResult & { opened: boolean }> {
  let answer: SyncResult = { outcome: 'unchanged', ticketId: null, url: null };
  let opened = false;
  for (const [i, ev] of events.entries()) {
    const r = await syncTicketEvent({ db: rt.db, vault: rt.vault, clock: rt.clock, events: rt.events, publicUrl: cfg.publicUrl }, ev);
    if (r.outcome === 'opened') opened = true;
    if (r.outcome === 'unmatched_requester' || r.outcome === 'unknown_ticket') return { ...r, opened };
    if (i === 0 || r.outcome !== 'unchanged') answer = r;
  }
  return { ...answer, opened };
}

const bodyOf = (req: FastifyRequest) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

/** Registers the helpdesk webhooks (an adapter whose secret is not set answers 404). */
export function helpdeskRoutes(rt: Runtime, cfg: HelpdeskConfig = helpdeskConfigFromEnv(process.env)): (app: FastifyInstance) => Promise<void> {
  const zd = cfg.zendesk?.api ? zendeskApi(cfg.zendesk.api) : undefined;
  const linkBack = (what: () => Promise<void>) => what().catch(() => undefined); // the helpdesk API being down never fails the webhook
  return async (app) => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    app.post('/v1/integrations/zendesk/events', { config: SIGNED, bodyLimit: WEBHOOK_BODY_LIMIT, schema: schema('Zendesk ticket event webhook (X-Zendesk-Webhook-Signature)') }, async (req) => {
      const z = cfg.zendesk;
      if (!z) throw new KeyholeError('INTEGRATION_NOT_CONFIGURED');
      const raw = bodyOf(req);
      verifyZendesk(z.secret, req.headers, raw, rt.clock.now(), cfg.toleranceMs);
      await refuseReplay(rt.db, 'zendesk', String(req.headers['x-zendesk-webhook-signature']), rt.clock.now(), cfg.toleranceMs);
      const ev = await adapt(() => zendeskEvent(json(raw), cfg, zd));
      if (!ev) return { outcome: 'ignored' as const, ticketId: null, url: null };
      const r = await applyAll(rt, cfg, [ev]);
      if (r.opened && zd && r.url) await linkBack(() => zd.linkBack(ev.externalTicketId, r.url as string));
      return { outcome: r.outcome, ticketId: r.ticketId, url: r.url };
    });

    app.post('/v1/integrations/freshdesk/events', { config: SIGNED, bodyLimit: WEBHOOK_BODY_LIMIT, schema: schema('Freshdesk automation webhook (HTTP Basic authentication)') }, async (req) => {
      const f = cfg.freshdesk;
      if (!f) throw new KeyholeError('INTEGRATION_NOT_CONFIGURED');
      verifyBasic(f.secret, req.headers);
      const raw = bodyOf(req);
      await refuseReplay(rt.db, 'freshdesk', createHash('sha256').update(raw).digest('hex'), rt.clock.now(), cfg.toleranceMs);
      const events = await adapt(() => freshdeskEvents(json(raw), cfg));
      const r = await applyAll(rt, cfg, events);
      if (r.opened && f.api && r.url) await linkBack(() => freshdeskLinkBack(f.api!, events[0]!.externalTicketId, r.url as string));
      return { outcome: r.outcome, ticketId: r.ticketId, url: r.url };
    });

    app.post('/v1/integrations/generic/events', { config: SIGNED, bodyLimit: WEBHOOK_BODY_LIMIT, schema: schema('Generic HMAC-signed helpdesk webhook (X-Keyhole-Signature)') }, async (req) => {
      const g = cfg.generic;
      if (!g) throw new KeyholeError('INTEGRATION_NOT_CONFIGURED');
      const raw = bodyOf(req);
      verifyGeneric(g.secret, req.headers, raw, rt.clock.now(), cfg.toleranceMs);
      await refuseReplay(rt.db, 'generic', String(req.headers['x-keyhole-signature']), rt.clock.now(), cfg.toleranceMs);
      const r = await applyAll(rt, cfg, [await adapt(() => genericEvent(json(raw), cfg))]);
      return { outcome: r.outcome, ticketId: r.ticketId, url: r.url };
    });
  };
}
