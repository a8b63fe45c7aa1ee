// The security staff's token API: list bearer tokens (never their secrets) and revoke one at
// once. Revocation is on the audit log (src/identity/tokens.ts). Security role only.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getToken, listTokens, revokeToken, type TokenInfo } from '../../identity/tokens.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const TokenSchema = z.object({
  id: z.string(), kind: z.enum(['agent', 'service', 'scim']), agentId: z.string().nullable(), serviceName: z.string().nullable(),
  scopes: z.array(z.string()).readonly(), label: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(),
  createdBy: z.string().nullable(), revokedAt: z.string().nullable(), revokedBy: z.string().nullable(),
});

const toApi = (t: TokenInfo) => ({
  ...t, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Registers GET /v1/security/tokens and POST /v1/security/tokens/{id}/revoke (authenticated scope). */
export function tokenRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team manages tokens.');
    });

    app.get('/v1/security/tokens', {
      schema: { tags: ['security'], summary: 'Bearer tokens (agent, service, SCIM), newest first; never their secrets',
        querystring: z.strictObject({ agentId: IdSchema.optional(), kind: z.enum(['agent', 'service', 'scim']).optional(),
          includeRevoked: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ tokens: z.array(TokenSchema) }), ...errorResponses } },
    }, async (req) => ({
      tokens: (await listTokens(rt.db, { agentId: req.query.agentId, kind: req.query.kind, includeRevoked: req.query.includeRevoked === 'true' })).map(toApi),
    }));

    app.post('/v1/security/tokens/:id/revoke', {
      schema: { tags: ['security'], summary: 'Revoke a token at once (recorded on the audit log)', params: z.object({ id: IdSchema }),
        body: z.strictObject({ reason: z.string().trim().min(3).max(500) }), response: { 200: TokenSchema, ...errorResponses } },
    }, async (req) => {
      const { agent } = ctxOf(req);
      const ok = await revokeToken(rt.db, rt.clock, req.params.id, agent.id, req.body.reason, { agentId: agent.id, requestId: req.id, via: 'api' });
      if (!ok) throw new KeyholeError('TOKEN_NOT_FOUND');
      return toApi((await getToken(rt.db, req.params.id))!);
    });
  };
}
