// SCIM 2.0 endpoints (RFC 7644 §3) at /scim/v2 for the identity provider: Users, Groups,
// ServiceProviderConfig, Schemas, ResourceTypes. Authenticated by a SCIM bearer token
// (`keyhole tokens create --scim NAME`, scope `scim`); bodies are application/scim+json or
// application/json; every failure is a SCIM error response (RFC 7644 §3.12) and changes
// nothing. The resource logic is src/identity/scim.ts.
import { declareSecurity } from '../openapi.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import SCIMMY from 'scimmy';
import { declareScim, checkFilter, normalizePatch, SCIM_MAX_RESULTS, type ScimContext } from '../../identity/scim.js';
import type { IdentityMapping } from '../../identity/mapping.js';
import type { IdentityDb } from '../../identity/tables.js';
import { isKeyholeError } from '../../shared/errors.js';
import { requireService } from '../auth.js';
import type { Runtime } from '../runtime.js';

/** Where SCIM is served. */
export const SCIM_BASE = '/scim/v2';
const SCIM_TYPE = 'application/scim+json';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;

/** The SCIM error body of `status` (RFC 7644 §3.12). */
function errorBody(status: number, detail: string, scimType?: string | null): Json {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

function sendScim(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(SCIM_TYPE).send(body === undefined ? undefined : JSON.stringify(body));
}

/** Query parameters scimmy understands, with numbers as numbers. */
function queryOf(req: FastifyRequest): Json {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const out: Json = {};
  for (const k of ['filter', 'attributes', 'excludedAttributes', 'sortBy', 'sortOrder']) {
    const v = q[k];
    if (Array.isArray(v)) throw new SCIMMY.Types.Error(400, 'invalidSyntax', `The query parameter ${k} is given twice.`);
    if (typeof v === 'string') out[k] = v;
  }
  for (const k of ['startIndex', 'count']) {
    const v = q[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !/^-?[0-9]{1,9}$/.test(v)) throw new SCIMMY.Types.Error(400, 'invalidValue', `${k} must be an integer.`);
    out[k] = Number(v);
  }
  out.count = typeof out.count === 'number' ? Math.min(out.count, SCIM_MAX_RESULTS) : SCIM_MAX_RESULTS;
  if (out.filter !== undefined) checkFilter(out.filter);
  return out;
}

const idOf = (req: FastifyRequest): string => {
  const id = (req.params as { id?: string }).id ?? '';
  if (!ID.test(id)) throw new SCIMMY.Types.Error(404, null as never, 'Resource not found');
  return id;
};

/** Registers the SCIM endpoints over `rt` with `mapping`. */
export function scimRoutes(rt: Runtime, mapping: IdentityMapping): (app: FastifyInstance) => Promise<void> {
  declareScim();
  for (const R of [SCIMMY.Resources.User, SCIMMY.Resources.Group, SCIMMY.Resources.Schema, SCIMMY.Resources.ResourceType, SCIMMY.Resources.ServiceProviderConfig]) R.basepath(SCIM_BASE);
  return async (root) => root.register(async (app) => {
    declareSecurity(app, [{ scimBearer: [] }]);
    const deps = { db: rt.db as unknown as IdentityDb, clock: rt.clock, events: rt.events, mapping };
    app.addContentTypeParser(SCIM_TYPE, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new SCIMMY.Types.Error(400, 'invalidSyntax', 'The request body is not JSON.') as unknown as Error);
      }
    });
    app.setNotFoundHandler((_req, reply) => sendScim(reply, 404, errorBody(404, 'No such SCIM endpoint.')));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err instanceof SCIMMY.Types.Error) {
        const e = err as unknown as { status: number; scimType?: string; message: string };
        if (e.status >= 500) {
          req.log.error({ err: (req as { scimFailure?: unknown }).scimFailure }, 'SCIM handler failed');
          return sendScim(reply, 500, errorBody(500, 'Internal error.'));
        }
        return sendScim(reply, e.status, errorBody(e.status, e.message, e.scimType));
      }
      if (isKeyholeError(err)) {
        if (err.status === 401) {
          req.log.warn({ code: err.code }, 'SCIM request with a missing or invalid token');
          reply.header('www-authenticate', 'Bearer realm="keyhole-scim"');
        }
        if (err.status >= 500 && err.status !== 503) return sendScim(reply, 500, errorBody(500, 'Internal error.'));
        return sendScim(reply, err.status, errorBody(err.status, err.message, err.status === 400 || err.status === 415 ? 'invalidSyntax' : null));
      }
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) req.log.error({ err }, 'SCIM request failed');
      return sendScim(reply, status, errorBody(status, status === 500 ? 'Internal error.' : 'The request is malformed.', status === 400 ? 'invalidSyntax' : null));
    });
    requireService(app, rt, 'scim');

    const ctxOf = (req: FastifyRequest): ScimContext => ({ deps, actor: { idp: req.service!.name, requestId: req.id, via: 'scim' } });
    /** Runs a SCIM operation, keeping an unexpected failure for the log. */
    const run = async <T>(req: FastifyRequest, fn: (ctx: ScimContext) => Promise<T>): Promise<T> => {
      const ctx = ctxOf(req);
      try {
        return await fn(ctx);
      } finally {
        if (ctx.failure !== undefined) (req as { scimFailure?: unknown }).scimFailure = ctx.failure;
      }
    };
    const config = { guard: { sameOrigin: false as const, bodyTypes: [SCIM_TYPE] } };
    const opts = { config, schema: { hide: true } };

    app.get(`/ServiceProviderConfig`, opts, async (req, reply) => sendScim(reply, 200, await new SCIMMY.Resources.ServiceProviderConfig().read()));
    app.get(`/Schemas`, opts, async (req, reply) => sendScim(reply, 200, await new SCIMMY.Resources.Schema(queryOf(req) as never).read()));
    app.get(`/Schemas/:id`, opts, async (req, reply) => sendScim(reply, 200, await new SCIMMY.Resources.Schema((req.params as { id: string }).id, {}).read()));
    app.get(`/ResourceTypes`, opts, async (req, reply) => sendScim(reply, 200, await new SCIMMY.Resources.ResourceType(queryOf(req) as never).read()));
    app.get(`/ResourceTypes/:id`, opts, async (req, reply) => sendScim(reply, 200, await new SCIMMY.Resources.ResourceType((req.params as { id: string }).id, {}).read()));

    for (const [path, R] of [['Users', SCIMMY.Resources.User], ['Groups', SCIMMY.Resources.Group]] as const) {
      const Res = R as unknown as new (...a: unknown[]) => { read(ctx: unknown): Promise<unknown>; write(b: unknown, ctx: unknown): Promise<unknown>; patch(b: unknown, ctx: unknown): Promise<unknown>; dispose(ctx: unknown): Promise<void> };
      app.get(`/${path}`, opts, async (req, reply) => sendScim(reply, 200, await run(req, (ctx) => new Res(queryOf(req)).read(ctx))));
      app.get(`/${path}/:id`, opts, async (req, reply) => sendScim(reply, 200, await run(req, (ctx) => new Res(idOf(req), queryOf(req)).read(ctx))));
      app.post(`/${path}`, opts, async (req, reply) => {
        const created = (await run(req, (ctx) => new Res(queryOf(req)).write(req.body, ctx))) as { id?: string; meta?: { location?: string } };
        if (created.meta?.location) reply.header('location', created.meta.location);
        return sendScim(reply, 201, created);
      });
      app.put(`/${path}/:id`, opts, async (req, reply) => sendScim(reply, 200, await run(req, (ctx) => new Res(idOf(req), queryOf(req)).write(req.body, ctx))));
      app.patch(`/${path}/:id`, opts, async (req, reply) => {
        const id = idOf(req);
        const patched = await run(req, (ctx) => new Res(id, queryOf(req)).patch(normalizePatch(req.body), ctx));
        // No change: 204 (RFC 7644 §3.5.2); otherwise the resource as it is now.
        return patched === undefined ? reply.status(204).send() : sendScim(reply, 200, patched);
      });
      app.delete(`/${path}/:id`, opts, async (req, reply) => {
        await run(req, (ctx) => new Res(idOf(req), {}).dispose(ctx));
        return reply.status(204).send();
      });
    }
  }, { prefix: SCIM_BASE });
}
