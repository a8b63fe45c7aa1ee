// The request guard every route gets by default: a state-changing request (any method but
// GET, HEAD, OPTIONS) from a browser MUST come from this server's own origin, and a body MUST
// be JSON. Cross-site and same-site-cross-origin forgeries (a text/plain form on another port of
// the same host) are refused before authentication. W3C Fetch Metadata (`Sec-Fetch-Site`),
// RFC 6454 `Origin`; OWASP CSRF cheat sheet, "Fetch Metadata" and "Verifying Origin".
//
// A route opts out in its config, never by URL prefix:
//   config: { guard: { sameOrigin: false } }            bearer- or HMAC-authenticated routes that
//                                                       never read a cookie (signed webhooks, SCIM)
//   config: { guard: { bodyTypes: ['application/scim+json'] } }   other body media types (the
//                                                       route registers their parser itself)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeyholeError } from '../shared/errors.js';

/** Per-route settings of the guard (route `config.guard`). */
export interface RouteGuardConfig {
  /** false: no Fetch-Metadata / Origin check. Only for routes that authenticate every request
   *  with a bearer token or a signature and never with a cookie. */
  readonly sameOrigin?: false;
  /** Media types accepted for a body besides application/json. */
  readonly bodyTypes?: readonly string[];
  /** false: failed sign-ins on this route are not rate-limited (see sign-in-limit.ts). */
  readonly signInLimit?: false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Request-guard opt-outs (src/server/request-guard.ts). */
    guard?: RouteGuardConfig;
  }
}

/** Options of the guard. */
export interface RequestGuardOptions {
  /** Origins allowed besides the request's own (`<protocol>://<host>`), e.g. the public origin
   *  behind a proxy that rewrites Host. Exact `scheme://host[:port]` strings. */
  readonly allowedOrigins?: readonly string[];
}

/** The explicitly configured public origins (KEYHOLE_ORIGIN, comma-separated); none when unset
 *  (the portal's WebAuthn default of http://localhost:8080 is not trusted here: on another
 *  port it would be the same-site attacker). */
export function allowedOriginsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.KEYHOLE_ORIGIN ?? '').split(',').map((o) => o.trim()).filter(Boolean);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** `Sec-Fetch-Site` values of a request this origin made itself, or a user's own navigation. */
const SAME_ORIGIN_SITES = new Set(['same-origin', 'none']);

/** The media type of a Content-Type header, lower-case, without parameters. */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';', 1)[0]!.trim().toLowerCase();
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Checks one state-changing request. @throws KeyholeError CROSS_ORIGIN_REJECTED when the
 *  browser says it is not same-origin or `Origin` is not allowed; UNSUPPORTED_MEDIA_TYPE when
 *  a body (or a Content-Type) is not JSON or one of the route's `bodyTypes`. */
export function checkStateChangingRequest(req: FastifyRequest, allowed: ReadonlySet<string>): void {
  const cfg = req.routeOptions.config.guard;
  if (cfg?.sameOrigin !== false) {
    // Fetch Metadata first (the browser computed it); Origin for browsers that send none.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined) {
      if (!SAME_ORIGIN_SITES.has(String(site).toLowerCase())) throw new KeyholeError('CROSS_ORIGIN_REJECTED', 'A request from another site or origin cannot change state here.');
    } else {
      const origin = req.headers.origin; // attacker-controlled outside browsers; then no cookie rides along
      if (origin !== undefined && origin !== `${req.protocol}://${req.host}` && !allowed.has(origin)) {
        throw new KeyholeError('CROSS_ORIGIN_REJECTED', 'The request comes from an origin this server does not serve.');
      }
    }
  }
  const type = mediaType(req.headers['content-type']);
  if (type === undefined ? hasBody(req) : type !== 'application/json' && !(cfg?.bodyTypes ?? []).includes(type)) {
    throw new KeyholeError('UNSUPPORTED_MEDIA_TYPE');
  }
}

/** Installs the guard on `app` (the root instance, before any route is registered, so every
 *  route of every scope gets it) and removes Fastify's text/plain body parser. */
export function installRequestGuard(app: FastifyInstance, opts: RequestGuardOptions = {}): void {
  const allowed = new Set(opts.allowedOrigins ?? []);
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (req) => {
    if (!SAFE_METHODS.has(req.method)) checkStateChangingRequest(req, allowed);
  });
}
