// The Fastify application: public routes (health, OpenAPI, demo picker) and the authenticated
// agent API in its own encapsulated scope with the auth hook. Customer field values and
// secrets are redacted from logs; request bodies are never logged.
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { newId } from '../access/ids.js';
import { requireAgent } from './auth.js';
import { relyingPartyFromEnv, type RelyingParty } from './customer/webauthn.js';
import { breakGlassRoutes } from './routes/break-glass.js';
import { budgetRoutes } from './routes/budgets.js';
import { customerPublicRoutes, customerRoutes } from './routes/customer.js';
import { frameworkErrors, installErrorHandling } from './error-handler.js';
import { allowedOriginsFromEnv, installRequestGuard } from './request-guard.js';
import { safeValidatorCompiler } from './safe-strings.js';
import { installSignInLimit, signInLimitFromEnv, type SignInLimitOptions } from './sign-in-limit.js';
import { installSecurityHeaders } from './security-headers.js';
import { parseTrustProxy, tlsFromEnv, type TlsFiles, type TrustProxy } from './transport.js';
import { consoleRoutes, DEFAULT_CONSOLE_DIR, installNoStore } from './routes/console.js';
import { demoRoutes } from './routes/demo.js';
import { detectRoutes } from './routes/detect.js';
import { eventRoutes, type EventStreamOptions } from './routes/events.js';
import { incidentRoutes } from './routes/incident.js';
import { integrationRoutes } from './routes/integrations.js';
import { installMetrics } from './metrics-route.js';
import { logRoutes } from './routes/log.js';
import { lookupRoutes } from './routes/lookups.js';
import { revealRequestRoutes } from './routes/reveal-requests.js';
import { scimRoutes } from './routes/scim.js';
import { authRoutes } from './routes/oidc.js';
import { installStepUp, staffKeyRoutes } from './routes/staff-keys.js';
import { stepUpModeFromEnv } from '../identity/step-up.js';
import { OidcSignIn, oidcSettingsFromEnv, type OidcSettings } from '../identity/oidc.js';
import { mappingFromEnv, type IdentityMapping } from '../identity/mapping.js';
import { securityRoutes } from './routes/security.js';
import { erasureRoutes } from './routes/erasures.js';
import { sessionRoutes } from './routes/session.js';
import { ticketRoutes } from './routes/tickets.js';
import { tokenRoutes } from './routes/tokens.js';
import { rosterRoutes } from './routes/rosters.js';
import { watermarkRoutes } from './routes/watermark.js';
import type { Runtime } from './runtime.js';
import { benchClockRoutes } from './bench-clock.js';
import { installProbes, Lifecycle } from './probes.js';
import { SECURITY_SCHEMES, withErrorEnvelope } from './openapi.js';

/** Options of the HTTP app. */
export interface AppOptions {
  /** Register the demo picker (KEYHOLE_DEMO=1). */
  readonly demo?: boolean;
  /** pino logger options, or false (default: warn level). */
  readonly logger?: boolean | { level: string };
  /** The WebAuthn relying party of the customer portal (default from KEYHOLE_RP_ID / KEYHOLE_ORIGIN). */
  readonly relyingParty?: RelyingParty;
  /** Extra routes registered in the authenticated scope (benchmarks, later modules). */
  readonly extraAuthenticated?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** Extra public routes. */
  readonly extraPublic?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
  /** The built console to serve at `/` (default `web/dist`), or false for none. */
  readonly console?: string | false;
  /** Server-Sent Events options (heartbeat). */
  readonly events?: EventStreamOptions;
  /** Origins allowed to change state besides the request's own (default: KEYHOLE_ORIGIN when set). */
  readonly allowedOrigins?: readonly string[];
  /** Failed sign-in attempts allowed per client (default: KEYHOLE_SIGNIN_MAX_FAILURES / _WINDOW_S). */
  readonly signInLimit?: SignInLimitOptions;
  /** Whether to believe X-Forwarded-* (default: KEYHOLE_TRUST_PROXY; see transport.ts). */
  readonly trustProxy?: TrustProxy;
  /** Serve over TLS with these PEM files (default: KEYHOLE_TLS_CERT_FILE / KEYHOLE_TLS_KEY_FILE), or false for plain HTTP. */
  readonly tls?: TlsFiles | false;
  /** The identity mapping of SSO and SCIM (default: the file KEYHOLE_IDENTITY_MAPPING names). */
  readonly identityMapping?: IdentityMapping;
  /** OpenID Connect sign-in (default: from KEYHOLE_OIDC_*; null turns it off). */
  readonly oidc?: OidcSettings | null;
  /** Staff step-up with a security key (default: KEYHOLE_STAFF_STEP_UP, else required outside demo mode). */
  readonly staffStepUp?: 'required' | 'off';
  /** Start-up and shutdown state for the probes (default: already started, never draining). */
  readonly lifecycle?: Lifecycle;
}

/** pino redaction: secrets and anything that could carry a customer value. */
export const LOG_REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'body', 'answer', 'value', 'values'];

function startedLifecycle(): Lifecycle {
  const l = new Lifecycle();
  l.started();
  return l;
}

/** Builds (but does not start) the app over `rt`. */
export async function buildApp(rt: Runtime, opts: AppOptions = {}): Promise<FastifyInstance> {
  const logger = opts.logger === undefined ? { level: 'warn', redact: LOG_REDACT } : opts.logger === false ? false : { ...(opts.logger === true ? {} : opts.logger), redact: LOG_REDACT };
  const trustProxy = opts.trustProxy ?? parseTrustProxy(process.env.KEYHOLE_TRUST_PROXY);
  const tls = opts.tls === false ? undefined : (opts.tls ?? tlsFromEnv(process.env));
  // Fastify accepts a hop count and an `https` option at run time; its types here know neither
  // (the https server is used exactly like the http one: listen, inject, close).
  // While closing, requests already on a connection are served (with `connection: close`), not
  // answered with Fastify's bare 503: the drain finishes them (src/server/shutdown.ts).
  const options = {
    logger, genReqId: () => newId('req'), bodyLimit: 64 * 1024, frameworkErrors, return503OnClosing: false, trustProxy,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  };
  const app = Fastify(options as FastifyServerOptions).withTypeProvider<ZodTypeProvider>();
  await installSecurityHeaders(app);
  app.setValidatorCompiler(safeValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installRequestGuard(app, { allowedOrigins: opts.allowedOrigins ?? allowedOriginsFromEnv(process.env) });
  installNoStore(app);
  installMetrics(app, rt); // GET /metrics and the latency hook of every route
  // Every response names its request: the audit record of an access carries the same id.
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });
  await app.register(cookie);
  await installSignInLimit(app, opts.signInLimit ?? signInLimitFromEnv(process.env));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Keyhole API', version: '0.1.0', description: 'Zero-trust access to customer data for support teams.' },
      // Staff: the session cookie (single sign-on or the demo picker) or a bearer token; customers:
      // their portal cookie; the identity provider: a SCIM token (/scim/v2). See openapi.ts.
      components: { securitySchemes: SECURITY_SCHEMES },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) => withErrorEnvelope(jsonSchemaTransformObject(doc) as Record<string, unknown>),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  const lifecycle = opts.lifecycle ?? startedLifecycle();
  installProbes(app, rt, lifecycle);
  app.addHook('onRequest', async (_req, reply) => {
    if (lifecycle.isDraining) reply.header('connection', 'close'); // clients move to another instance
  });
  if (opts.demo) await app.register(demoRoutes(rt));
  const rp = opts.relyingParty ?? relyingPartyFromEnv(process.env);
  await app.register(customerPublicRoutes(rt, rp, opts.demo === true));
  await app.register(customerRoutes(rt, rp));
  await app.register(logRoutes(rt)); // public proofs and tiles; entries behind the agent auth hook
  const mapping = opts.identityMapping ?? mappingFromEnv(process.env);
  await app.register(scimRoutes(rt, mapping)); // SCIM bearer token, SCIM error bodies
  const oidc = opts.oidc === undefined ? oidcSettingsFromEnv(process.env, mapping) : opts.oidc ?? undefined;
  await app.register(authRoutes(rt, oidc ? new OidcSignIn(oidc, { db: rt.db, clock: rt.clock, events: rt.events, mapping }) : undefined, opts.demo === true));
  await app.register(integrationRoutes(rt)); // service sync, helpdesk webhooks, metrics: each with its own auth
  if (rt.controlledClock) await app.register(benchClockRoutes(rt.controlledClock)); // test/bench mode only
  for (const extra of opts.extraPublic ?? []) await app.register(extra);
  if (opts.console !== false) await app.register(consoleRoutes(opts.console ?? DEFAULT_CONSOLE_DIR));

  await app.register(async (scope) => {
    requireAgent(scope, rt);
    const stepUp = { db: rt.db, clock: rt.clock, events: rt.events, rp };
    installStepUp(scope, stepUp, opts.staffStepUp ?? stepUpModeFromEnv(process.env, opts.demo === true));
    await scope.register(staffKeyRoutes(stepUp));
    await scope.register(sessionRoutes(rt));
    await scope.register(ticketRoutes(rt));
    await scope.register(revealRequestRoutes(rt));
    await scope.register(lookupRoutes(rt));
    await scope.register(breakGlassRoutes(rt));
    await scope.register(eventRoutes(rt, opts.events));
    await scope.register(securityRoutes(rt));
    await scope.register(erasureRoutes(rt));
    await scope.register(incidentRoutes(rt));
    await scope.register(budgetRoutes(rt));
    await scope.register(detectRoutes(rt));
    await scope.register(tokenRoutes(rt));
    await scope.register(rosterRoutes(rt));
    await scope.register(watermarkRoutes(rt));
    for (const extra of opts.extraAuthenticated ?? []) await scope.register(extra);
  });
  return app;
}
