// The one source of the security headers of every response (issue 10.9): @fastify/helmet with
// Keyhole's Content-Security-Policy (the console's: scripts only from this origin), no framing,
// no referrer, plus Permissions-Policy, and HSTS on responses served over TLS (directly or
// behind a trusted proxy; RFC 6797 §7.2: a UA ignores it over plain HTTP, so it is not sent).
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { isSecureRequest } from '../identity/cookies.js';

/** The CSP directives. Mantine writes its theme variables into `<style>` tags, hence
 *  `'unsafe-inline'` for styles (never for scripts); the watermark is a data: SVG. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/** The Content-Security-Policy header value every response carries. */
/** (Helmet's serialization: directives joined by `;`.) */
export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES).map(([k, v]) => `${k} ${v.join(' ')}`).join(';');

/** Strict-Transport-Security over TLS: one year, subdomains included. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** Features the console never uses. */
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), display-capture=()';

/** Registers the headers on `app` (before any other hook, so refusals carry them too). */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])) },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: false,
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    if (isSecureRequest(req)) reply.header('strict-transport-security', HSTS);
  });
}
