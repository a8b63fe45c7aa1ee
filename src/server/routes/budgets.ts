// Budgets: a supervisor (or security) reads an agent's budgets and extends one after the in-line
// guard denied the agent at its limit. The extension is recorded on the audit log.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { currentBudgets, extendBudget } from '../../detect/budget-extend.js';
import { BUDGET_NAMES, type BudgetName } from '../../detect/config.js';
import type { DetectDb } from '../../detect/containment.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const BudgetEnum = z.enum(BUDGET_NAMES as [BudgetName, ...BudgetName[]]);
const ExtensionSchema = z.object({ id: z.string(), agentId: z.string(), budget: BudgetEnum, extra: z.number().int(), expiresAt: z.string() });
const LimitsSchema = z.object({ customersPerHour: z.number().int(), customersPerShift: z.number().int(), revealsPerShift: z.number().int(), lookupsPerHour: z.number().int() });

/** Registers GET /v1/agents/{id}/budgets and POST /v1/agents/{id}/budgets/extend. */
export function budgetRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    const detection = () => {
      if (!rt.detection) throw new KeyholeError('NOT_FOUND', 'Detection is turned off.');
      return rt.detection;
    };

    app.get('/v1/agents/:id/budgets', {
      schema: { tags: ['security'], summary: "An agent's budgets now: limits including live extensions (supervisors, security)",
        params: z.object({ id: IdSchema }), response: { 200: z.object({ limits: LimitsSchema, extensions: z.array(ExtensionSchema) }), ...errorResponses } },
    }, async (req) => {
      if (ctxOf(req).agent.role === 'agent') throw new KeyholeError('FORBIDDEN');
      return currentBudgets(rt.db as unknown as DetectDb, detection().config, req.params.id, rt.clock.now());
    });

    app.post('/v1/agents/:id/budgets/extend', {
      schema: { tags: ['security'], summary: 'Extend one budget of an agent for its window (supervisors, security; never one\'s own)',
        params: z.object({ id: IdSchema }),
        body: z.strictObject({ budget: BudgetEnum, extra: z.number().int().min(1).max(1000), reason: z.string().trim().min(5).max(500) }),
        response: { 201: ExtensionSchema, ...errorResponses } },
    }, async (req, reply) => {
      detection();
      const ext = await extendBudget(rt.broker.deps, ctxOf(req), req.params.id, req.body.budget, req.body.extra, req.body.reason);
      return reply.status(201).send(ext);
    });
  };
}
