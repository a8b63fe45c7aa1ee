// The security dashboard's API (security role only, enforced here with FORBIDDEN): per-agent
// activity, activity over time per agent or team, and the audit-log explorer. Suspension and
// reinstatement stay at POST /v1/agents/{id}/suspend|reinstate (session.ts). Thin: validate,
// query (security-queries.ts), return through a strict response schema.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AUDIT_ACTIONS } from '../../shared/audit-entry.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';
import { recordLogRead } from '../log-reads.js';
import { activityOverTime, agentActivity, auditPage } from './security-queries.js';

const AgentActivitySchema = z.object({
  id: z.string(), name: z.string(), role: z.enum(['agent', 'supervisor', 'security']), team: z.string(), vendor: z.string(),
  status: z.enum(['active', 'suspended']),
  viewsLastHour: z.number().int().describe('Customer views in the last hour'),
  views: z.number().int().describe('Customer views today (UTC)'),
  customers: z.number().int().describe('Distinct customers touched today'),
  reveals: z.number().int().describe('Granted values shown today (grant uses)'),
  revealRequests: z.number().int(), denials: z.number().int(), failedVerifies: z.number().int(),
  lastSeenAt: z.string().nullable(),
});

/** An audit record as the explorer and the live feed show it (never a field value). */
export const AuditRecordSchema = z.object({
  v: z.literal(1), time: z.string(), requestId: z.string(), action: z.enum(AUDIT_ACTIONS), agentId: z.string().nullable(),
  customerId: z.string().nullable(), ticketId: z.string().nullable(), decision: z.enum(['allow', 'deny']),
  fields: z.record(z.string(), z.string()), policyIds: z.array(z.string()).readonly(), reason: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()).readonly()])),
});

const ActivityQuery = z.strictObject({
  hours: z.coerce.number().int().min(1).max(24 * 31).default(24),
  bucketMinutes: z.coerce.number().int().min(1).max(1440).default(60),
  by: z.enum(['agent', 'team']).default('agent'),
  metric: z.enum(['views', 'decisions', 'denials']).default('decisions'),
  limit: z.coerce.number().int().min(1).max(20).default(8),
}).refine((q) => (q.hours * 60) / q.bucketMinutes <= 744, { message: 'at most 744 buckets' });

const AuditQuery = z.strictObject({
  agentId: IdSchema.optional(), customerId: IdSchema.optional(), ticketId: IdSchema.optional(),
  action: z.enum(AUDIT_ACTIONS).optional(), decision: z.enum(['allow', 'deny']).optional(),
  from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const startOfUtcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** Registers the /v1/security/* routes (inside the authenticated scope). */
export function securityRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may use the security dashboard.');
    });

    app.get('/v1/security/log-health', {
      schema: { tags: ['security'], summary: 'Whether customer data is being served, given the audit log\'s start-up check and integration lag',
        response: { 200: z.object({ serving: z.boolean(), status: z.enum(['ok', 'lagging', 'failed']), reason: z.string().nullable(), lagMs: z.number().nullable(),
          maxLagMs: z.number(), since: z.string(), checkedAt: z.string().nullable() }), ...errorResponses } },
    }, async () => rt.logHealth.status());

    app.get('/v1/security/agents', {
      schema: { tags: ['security'], summary: 'Per-agent activity today (UTC): views, customers, reveals, denials, failed verifies',
        response: { 200: z.object({ now: z.string(), since: z.string(), agents: z.array(AgentActivitySchema) }), ...errorResponses } },
    }, async () => {
      const now = rt.clock.now();
      const since = startOfUtcDay(now);
      return { now: now.toISOString(), since: since.toISOString(), agents: await agentActivity(rt.db, since, now) };
    });

    app.get('/v1/security/activity', {
      schema: { tags: ['security'], summary: 'Activity over time per agent or team (the busiest series, the rest as "others")', querystring: ActivityQuery,
        response: { 200: z.object({ from: z.string(), to: z.string(), bucketMinutes: z.number(), buckets: z.array(z.string()).readonly(),
          series: z.array(z.object({ key: z.string(), label: z.string(), total: z.number(), counts: z.array(z.number()).readonly() })).readonly() }), ...errorResponses } },
    }, async (req) => {
      const q = req.query;
      const to = rt.clock.now();
      const from = new Date(to.getTime() - q.hours * 3600_000);
      const r = await activityOverTime(rt.db, { from, to, bucketMinutes: q.bucketMinutes, by: q.by, metric: q.metric, limit: q.limit });
      return { from: r.buckets[0] ?? from.toISOString(), to: to.toISOString(), bucketMinutes: q.bucketMinutes, ...r };
    });

    app.get('/v1/security/audit', {
      schema: { tags: ['security'], summary: 'The audit-log explorer: records by agent, customer, ticket, action, decision and time, newest first',
        description: 'The first page (no `before`) starts with the records not yet sequenced (`seq` null); `nextBefore` pages back through the integrated log.',
        querystring: AuditQuery,
        response: { 200: z.object({ entries: z.array(z.object({ seq: z.number().nullable(), record: AuditRecordSchema })), nextBefore: z.number().nullable() }), ...errorResponses } },
    }, async (req) => {
      const q = req.query;
      await recordLogRead(rt, req, 'audit_explorer', { agentId: q.agentId, customerId: q.customerId, ticketId: q.ticketId, action: q.action, decision: q.decision, from: q.from, to: q.to, before: q.before });
      const page = await auditPage(rt.db, {
        agentId: q.agentId, customerId: q.customerId, ticketId: q.ticketId, action: q.action, decision: q.decision,
        from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined,
      }, q.before, q.limit);
      return { entries: page.rows, nextBefore: page.nextBefore };
    });
  };
}
