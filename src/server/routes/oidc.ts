// Staff sign-in routes (public): which sign-in methods this server offers, the OpenID Connect
// login redirect and callback, and sign-out with RP-initiated logout at the provider. The
// callback is a browser navigation, so its failures redirect to the console's sign-in page
// with the error code (`/signin?error=CODE`) instead of a JSON body. src/identity/oidc.ts.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OIDC_FLOW_TTL_MS, recordSignEvent, safeReturnTo, type OidcSignIn } from '../../identity/oidc.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../../identity/cookies.js';
import { endSession, sessionInfo } from '../../identity/sessions.js';
import { isKeyholeError } from '../../shared/errors.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';
import { deviceForSignIn, setDeviceCookie } from '../../identity/device.js';
import { clientOf } from '../auth.js';

/** The cookie binding a sign-in in progress to this browser (holds its `state`). */
export const OIDC_STATE_COOKIE = 'kh_oidc_state';
const FLOW_COOKIE_PATH = '/v1/auth/oidc';

/** Registers GET /v1/auth/providers, the OIDC login and callback (when `oidc` is set) and
 *  POST /v1/auth/logout. */
export function authRoutes(rt: Runtime, oidc: OidcSignIn | undefined, demo: boolean): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/auth/providers', {
      schema: { tags: ['session'], summary: 'How staff sign in here: single sign-on (OpenID Connect) and/or the demo picker',
        response: { 200: z.object({ demo: z.boolean(), oidc: z.object({ name: z.string(), loginUrl: z.string() }).nullable() }) } },
    }, async () => ({ demo, oidc: oidc ? { name: oidc.settings.providerName, loginUrl: '/v1/auth/oidc/login' } : null }));

    app.post('/v1/auth/logout', {
      schema: { tags: ['session'], summary: 'Sign out; with single sign-on, also where to end the session at the identity provider',
        response: { 200: z.object({ redirectTo: z.string().nullable() }), ...errorResponses } },
    }, async (req, reply) => {
      const cookie = readSessionCookie(req, 'agent');
      let redirectTo: string | null = null;
      if (cookie) {
        const info = await sessionInfo(rt.db, rt.clock, cookie);
        await endSession(rt.db, rt.clock, cookie);
        if (info) {
          await recordSignEvent(rt, req.id, 'sign_out', 'allow', info.agentId, null, { method: info.authMethod });
          if (info.authMethod === 'oidc' && oidc) redirectTo = (await oidc.endSessionUrl().catch(() => undefined)) ?? null;
        }
      }
      clearSessionCookie(req, reply, 'agent');
      return { redirectTo };
    });

    if (!oidc) return;

    app.get('/v1/auth/oidc/login', {
      schema: { tags: ['session'], summary: 'Start single sign-on: redirects to the identity provider (PKCE, state, nonce)',
        querystring: z.strictObject({ returnTo: z.string().max(300).optional(), reauth: z.enum(['1']).optional().describe('1: ask the provider to authenticate again (max_age=0), for a step-up without a security key') }),
        response: { 302: z.null(), ...errorResponses } },
    }, async (req, reply) => {
      const started = await oidc.start(safeReturnTo(req.query.returnTo), req.query.reauth === '1' ? 0 : undefined);
      reply.setCookie(OIDC_STATE_COOKIE, started.state, { path: FLOW_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: OIDC_FLOW_TTL_MS / 1000 });
      return reply.redirect(started.url, 302);
    });

    app.get('/v1/auth/oidc/callback', {
      schema: { tags: ['session'], summary: 'The identity provider returns here; signs in and redirects to the console', hide: false,
        response: { 302: z.null() } },
    }, async (req, reply) => {
      const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      reply.clearCookie(OIDC_STATE_COOKIE, { path: FLOW_COOKIE_PATH });
      try {
        const device = deviceForSignIn(req); // the session is bound to this browser's device cookie
        const done = await oidc.finish(search, req.cookies[OIDC_STATE_COOKIE], req.id, clientOf(req));
        const maxAge = Math.max(1, Math.floor((done.expiresAt.getTime() - rt.clock.now().getTime()) / 1000));
        setSessionCookie(req, reply, 'agent', done.secret, Math.min(maxAge, 12 * 3600));
        setDeviceCookie(req, reply, device);
        return reply.redirect(done.returnTo, 302);
      } catch (e) {
        if (!isKeyholeError(e)) throw e;
        if (e.status >= 500) req.log.warn({ code: e.code, cause: e.cause }, 'single sign-on failed');
        return reply.redirect(`/signin?error=${e.code}`, 302);
      }
    });
  };
}
