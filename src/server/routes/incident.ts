// The incident-response API (tag `incident`; security role only, enforced here with FORBIDDEN):
// open and contain, blast radius and its exports, the agents' timeline, proofs, protective
// measures (also read by the exchange's systems), templates, notifications, the evidence bundle
// and the regulator report. Thin: validate, call IncidentService, return through a schema.
// Also runs the outbox sender while the server runs, when a channel is configured.
import { blastRadiusPage } from '../../incident/blast-page.js';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { incidentConfigFromEnv, type IncidentConfig } from '../../incident/config.js';
import type { Actor, Incident, IncidentDb } from '../../incident/model.js';
import * as S from '../../incident/schemas.js';
import { IncidentService } from '../../incident/service.js';
import { TEMPLATE_KEYS, TEMPLATE_VARIABLES } from '../../incident/templates.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';
import { recordLogRead } from '../log-reads.js';

/** The incident service of a runtime (also used by the CLI). */
export function incidentService(rt: Runtime, config: IncidentConfig = incidentConfigFromEnv(process.env)): IncidentService {
  const id = rt.integrator.identity;
  return new IncidentService({
    db: rt.store.db as IncidentDb, clock: rt.clock, events: rt.events, vault: rt.vault, keys: rt.keys,
    log: { origin: id.origin, verifierKey: id.verifierKey, witnesses: rt.witnesses.policy },
    integrate: async () => { await rt.integrator.drain(); await rt.witnessing?.idle(); }, config,
  });
}

const tags = ['incident'];
type App = Parameters<FastifyPluginAsyncZod>[0];
const IdParams = z.object({ id: IdSchema });
const text = { 200: z.string(), ...errorResponses };

function actorOf(req: FastifyRequest): Actor {
  const ctx = ctxOf(req);
  return { kind: 'agent', agentId: ctx.agent.id, requestId: ctx.requestId };
}

function incidentJson(i: Incident) {
  return {
    ...i, scope: { ...i.scope, since: i.scope.since?.toISOString() ?? null, until: i.scope.until.toISOString() },
    openedAt: i.openedAt.toISOString(), closedAt: i.closedAt?.toISOString() ?? null,
  };
}

/** Registers /v1/incidents*, /v1/protections* and /v1/incident-templates* (inside the
 *  authenticated scope). `config` defaults to the environment (incidentConfigFromEnv). */
export function incidentRoutes(rt: Runtime, config?: IncidentConfig): FastifyPluginAsyncZod {
  return async (app) => {
    const svc = incidentService(rt, config);
    const cfg = config ?? incidentConfigFromEnv(process.env);
    const sender = cfg.runSender ? svc.sender() : undefined;
    if (sender) app.addHook('onReady', async () => sender.start());
    app.addHook('onClose', async () => {
      await sender?.stop();
      await svc.dispose();
    });
    app.addHook('preHandler', async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may use incident response.');
    });

    coreRoutes(app, svc);
    analysisRoutes(app, svc, rt);
    protectionRoutes(app, svc);
    notificationRoutes(app, svc);
    evidenceRoutes(app, svc, rt);
  };
}

function coreRoutes(app: App, svc: IncidentService): void {
  app.post('/v1/incidents', {
    schema: { tags, summary: 'Open an incident and contain it: suspend the agents, revoke their grants, end their sessions', body: S.OpenIncidentBody,
      response: { 201: S.OpenedSchema, ...errorResponses } },
  }, async (req, reply) => {
    const b = req.body;
    const r = await svc.open(actorOf(req), {
      agentIds: b.agentIds, vendor: b.vendor, since: b.since ? new Date(b.since) : null, until: b.until ? new Date(b.until) : null,
      reason: b.reason, title: b.title, source: 'console', contain: b.contain,
    });
    return reply.status(201).send({ incident: incidentJson(r.incident), contained: r.contained });
  });

  app.get('/v1/incidents', {
    schema: { tags, summary: 'Incidents, newest first', querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.iso.datetime({ offset: true }).optional() }),
      response: { 200: z.object({ incidents: z.array(S.IncidentSchema) }), ...errorResponses } },
  }, async (req) => ({ incidents: (await svc.list({ limit: req.query.limit, before: req.query.before ? new Date(req.query.before) : undefined })).map(incidentJson) }));

  app.get('/v1/incidents/:id', {
    schema: { tags, summary: 'One incident with its history (who did what)', params: IdParams,
      response: { 200: z.object({ incident: S.IncidentSchema, actions: z.array(z.object({ id: z.number(), action: z.string(), actor: z.string().nullable(), at: z.string(), details: z.record(z.string(), z.unknown()) })) }), ...errorResponses } },
  }, async (req) => ({ incident: incidentJson(await svc.get(req.params.id)), actions: await svc.actions(req.params.id) }));

  app.post('/v1/incidents/:id/close', {
    schema: { tags, summary: 'Close an incident (agents stay suspended)', params: IdParams, body: z.strictObject({ reason: z.string().max(2000).default('') }),
      response: { 200: S.IncidentSchema, ...errorResponses } },
  }, async (req) => incidentJson(await svc.close(actorOf(req), req.params.id, req.body.reason)));
}

function analysisRoutes(app: App, svc: IncidentService, rt: Runtime): void {
  app.get('/v1/incidents/:id/blast-radius', {
    schema: { tags, summary: 'The blast radius, exact from the signed log: per customer and field the highest level, count, first and last time, log entries; totals',
      description: 'Customers come a page at a time (`offset`, `limit`, filter `q`); `totals` always count every customer, and the exports hold them all.',
      params: IdParams, querystring: S.BlastRadiusQuery, response: { 200: S.BlastRadiusSchema, ...errorResponses } },
  }, async (req) => blastRadiusPage(await svc.blastRadius(req.params.id), req.query));

  app.get('/v1/incidents/:id/blast-radius/export', {
    schema: { tags, summary: 'The blast radius as a CSV or JSON download (recorded as an export)', params: IdParams,
      querystring: z.strictObject({ format: z.enum(['csv', 'json']).default('csv') }), response: text },
  }, async (req, reply) => {
    const body = await svc.exportBlastRadius(actorOf(req), req.params.id, req.query.format);
    const csv = req.query.format === 'csv';
    return reply.type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${req.params.id}-blast-radius.${req.query.format}"`).send(body);
  });

  app.get('/v1/incidents/:id/timeline', {
    schema: { tags, summary: 'The agents\' activity in the window, in log order (allowed and denied), with what each record exposed', params: IdParams,
      querystring: S.TimelineQuery, response: { 200: S.TimelineSchema, ...errorResponses } },
  }, async (req) => {
    await recordLogRead(rt, req, 'incident_timeline', { incidentId: req.params.id, after: req.query.after, limit: req.query.limit });
    return svc.timeline(req.params.id, req.query.after, req.query.limit);
  });

  app.get('/v1/incidents/:id/customers/:customerId/proofs', {
    schema: { tags, summary: 'The records that exposed one customer, each with its C2SP tlog-proof', params: z.object({ id: IdSchema, customerId: IdSchema }),
      response: { 200: S.ProofsSchema, ...errorResponses } },
  }, async (req) => {
    await recordLogRead(rt, req, 'incident_proofs', { incidentId: req.params.id, customerId: req.params.customerId });
    return svc.proofs(req.params.id, req.params.customerId);
  });
}

function evidenceRoutes(app: App, svc: IncidentService, rt: Runtime): void {
  app.get('/v1/incidents/:id/evidence', {
    schema: { tags, summary: 'The signed evidence bundle (keyhole-evidence/v1; check with `keyhole verify --bundle`)', params: IdParams, response: text },
  }, async (req, reply) => {
    const built = await svc.evidence(actorOf(req), req.params.id);
    return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id}-evidence.json"`).send(built.text);
  });

  app.get('/v1/incidents/:id/report', {
    schema: { tags, summary: 'Draft regulator report (GDPR Art. 33/34), Markdown', params: IdParams, response: text },
  }, async (req, reply) => reply.type('text/markdown; charset=utf-8').send(await svc.report(actorOf(req), req.params.id)));

  app.get('/v1/incident-keys', {
    schema: { tags, summary: 'The verifier keys a bundle is checked against: the log\'s and the evidence key', response: { 200: z.object({ log: z.string(), evidence: z.string() }), ...errorResponses } },
  }, async () => ({ log: rt.integrator.identity.verifierKey, evidence: (await svc.evidenceKey()).verifierKey }));
}

function protectionRoutes(app: App, svc: IncidentService): void {
  app.post('/v1/incidents/:id/protections', {
    schema: { tags, summary: 'Apply protective measures to the affected customers by exposure (cool-down, re-verification, never-call banner)', params: IdParams, body: S.ProtectBody,
      response: { 200: z.object({ applied: z.array(S.ProtectionSchema), existing: z.number().int() }), ...errorResponses } },
  }, async (req) => {
    const r = await svc.protect(actorOf(req), req.params.id, { cooldownHours: req.body.cooldownHours, kinds: req.body.kinds, customerIds: req.body.customerIds });
    return { applied: r.applied as z.infer<typeof S.ProtectionSchema>[], existing: r.existing };
  });

  app.get('/v1/protections', {
    schema: { tags, summary: 'Protective measures for the exchange\'s systems: by customer, incident, active or lifted; with `customerId`, the summary to enforce', querystring: S.ProtectionsQuery,
      response: { 200: z.object({ protections: z.array(S.ProtectionSchema), summary: S.ProtectionSummarySchema.nullable() }), ...errorResponses } },
  }, async (req) => {
    const q = req.query;
    const protections = await svc.protections({ customerId: q.customerId, incidentId: q.incidentId, active: q.active, after: q.after, limit: q.limit });
    return { protections: protections as z.infer<typeof S.ProtectionSchema>[], summary: q.customerId ? await svc.protectionSummary(q.customerId) : null };
  });

  app.post('/v1/protections/:id/lift', {
    schema: { tags, summary: 'Lift a protective measure', params: IdParams, body: z.strictObject({ reason: z.string().min(1).max(500) }),
      response: { 200: S.ProtectionSchema, ...errorResponses } },
  }, async (req) => (await svc.lift(actorOf(req), req.params.id, req.body.reason)) as z.infer<typeof S.ProtectionSchema>);
}

function notificationRoutes(app: App, svc: IncidentService): void {
  const KeyParams = z.object({ key: z.enum(TEMPLATE_KEYS) });
  app.get('/v1/incident-templates/:key', {
    schema: { tags, summary: 'The current notification template (version 0: the shipped default)', params: KeyParams, response: { 200: S.TemplateSchema, ...errorResponses } },
  }, async (req) => ({ ...(await svc.template(req.params.key)), variables: TEMPLATE_VARIABLES }));

  app.put('/v1/incident-templates/:key', {
    schema: { tags, summary: 'Save a new version of a template ({{variable}} placeholders only)', params: KeyParams, body: S.TemplateBody,
      response: { 200: S.TemplateSchema, ...errorResponses } },
  }, async (req) => ({ ...(await svc.saveTemplate(actorOf(req), req.params.key, req.body)), variables: TEMPLATE_VARIABLES }));

  app.get('/v1/incidents/:id/notifications/preview', {
    schema: { tags, summary: 'Preview the notifications as they would be sent (send with the template version shown)', params: IdParams, querystring: S.PreviewQuery,
      response: { 200: z.object({ templateVersion: z.number().int(), total: z.number().int(), drafts: z.array(S.DraftSchema) }), ...errorResponses } },
  }, async (req) => {
    const p = await svc.preview(req.params.id, { customerIds: req.query.customerId ? [req.query.customerId] : undefined, limit: req.query.limit });
    return { templateVersion: p.template.version, total: p.total, drafts: [...p.drafts] };
  });

  app.post('/v1/incidents/:id/notifications', {
    schema: { tags, summary: 'Queue one notification per affected customer (idempotent: never twice per customer and channel)', params: IdParams, body: S.NotifyBody,
      response: { 202: z.object({ queued: z.number().int(), alreadyQueued: z.number().int(), skippedErased: z.number().int().describe('erased customers (no contact data left) not notified') }), ...errorResponses } },
  }, async (req, reply) => reply.status(202).send(await svc.notify(actorOf(req), req.params.id, req.body)));

  app.get('/v1/incidents/:id/notifications', {
    schema: { tags, summary: 'Delivery status by channel (pending, sending, sent, failed)', params: IdParams, response: { 200: S.NotificationStatusSchema, ...errorResponses } },
  }, async (req) => svc.notificationStatus(req.params.id));
}
