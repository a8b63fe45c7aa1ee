// The detection API for the security dashboard (security role only): the alerts, newest first,
// each with its explanation (events by seq, baselines, figures), and one agent's current risk.
// Thin: validate, query src/detect/queries.ts, return through strict response schemas.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DetectDb } from '../../detect/containment.js';
import { agentRisk, listAlerts } from '../../detect/queries.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const Figures = z.record(z.string(), z.number());
const SignalSchema = z.object({
  detector: z.string(), seq: z.number().int(), at: z.string(), points: z.number(), seqs: z.array(z.number().int()).readonly(),
  figures: Figures, baseline: Figures, summary: z.string(),
});
const AlertSchema = z.object({
  id: z.string(), agentId: z.string(), kind: z.enum(['alert', 'step_up', 'contain', 'budget', 'decoy']), risk: z.number(), at: z.string(),
  seq: z.number().int().nullable(), summary: z.string(), createdAt: z.string(),
  explanation: z.object({ threshold: z.number(), signals: z.array(SignalSchema).readonly(), containmentId: z.string().optional() }),
});
const RiskSchema = z.object({
  agentId: z.string(), status: z.enum(['active', 'suspended']), risk: z.number(), level: z.enum(['none', 'alert', 'step_up', 'contain']),
  stepUp: z.boolean(), thresholds: z.object({ alert: z.number(), stepUp: z.number(), contain: z.number(), halfLifeHours: z.number() }),
  asOfSeq: z.number().int().nullable(), alerts: z.array(AlertSchema).readonly(),
  containment: z.object({ id: z.string(), openedAt: z.string(), reason: z.string(), source: z.string() }).nullable(),
  trajectory: z.array(z.object({
    at: z.string(), risk: z.number().describe('The score just after this signal'), detector: z.string(), points: z.number(),
    summary: z.string().describe('Why, in words'), seqs: z.array(z.number()).describe('The log entries behind it'),
  })).describe('The score after each of the latest signals, oldest first'),
});

/** Registers GET /v1/detect/alerts and GET /v1/detect/agents/{id}/risk (inside the authenticated scope). */
export function detectRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may read detection.');
    });
    const db = rt.db as unknown as DetectDb;

    app.get('/v1/detect/alerts', {
      schema: { tags: ['security'], summary: 'Detection alerts, newest first, each explained by its events, baselines and figures',
        querystring: z.strictObject({ agentId: IdSchema.optional(), kind: z.enum(['alert', 'step_up', 'contain', 'budget', 'decoy']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ alerts: z.array(AlertSchema) }), ...errorResponses } },
    }, async (req) => ({ alerts: (await listAlerts(db, req.query)) as z.infer<typeof AlertSchema>[] }));

    app.get('/v1/detect/agents/:id/risk', {
      schema: { tags: ['security'], summary: "An agent's risk score (decayed to now), level, step-up, latest alerts and open containment",
        params: z.object({ id: IdSchema }), response: { 200: RiskSchema, ...errorResponses } },
    }, async (req) => {
      if (!rt.detection) throw new KeyholeError('NOT_FOUND', 'Detection is turned off.');
      return (await agentRisk(db, rt.detection.config, req.params.id, rt.clock.now())) as z.infer<typeof RiskSchema>;
    });
  };
}
