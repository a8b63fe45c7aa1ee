// Serves the built console (web/dist, `npm run build`) at `/`: hashed assets cached forever,
// index.html never stored (no HTTP cache, no back-forward cache of a page that showed data), and every other GET that is not an API path answered with
// index.html so client-side routes survive a reload (SPA fallback). Its strict security headers
// (CSP: scripts only from this origin) are every response's (security-headers.ts). docs/design/web.md.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { KeyholeError } from '../../shared/errors.js';
import { CONTENT_SECURITY_POLICY } from '../security-headers.js';

/** Where `npm run build` writes the console: `<package>/web/dist`. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Content-Security-Policy of the console: the one every response carries
 *  (src/server/security-headers.ts sets it with the other security headers). */
export const CONSOLE_CSP = CONTENT_SECURITY_POLICY;

/** Fastify's default `maxParamLength` (characters): an API path with a longer segment matched
 *  no route only because of its length, so it is answered 414 as the router would. */
const MAX_PARAM_LENGTH = 100;

/** Paths the SPA fallback never answers (the API, its docs, health). */
const API_PATH = /^\/(v1|docs|healthz)(\/|$)/;

/** Registers the console from `root` (a directory holding index.html). When it was not built,
 *  `/` explains how to build it instead. */
export function consoleRoutes(root: string = DEFAULT_CONSOLE_DIR): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(path.join(root, 'index.html'));
    if (!built) {
      app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8')
        .send('<!doctype html><title>Keyhole</title><p>The console is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload. The API is at <a href="/docs">/docs</a>.</p>'));
      return;
    }
    // Hashed assets by wildcard (a rebuild while the server runs is picked up); the few files
    // at the top (index.html, favicon) by exact route.
    await app.register(fastifyStatic, {
      root: path.join(root, 'assets'), prefix: '/assets/', wildcard: true, index: false, serveDotFiles: false, decorateReply: false,
      setHeaders: (reply) => void reply.header('cache-control', 'public, max-age=31536000, immutable'),
    });
    await app.register(fastifyStatic, {
      root, prefix: '/', wildcard: false, index: 'index.html', serveDotFiles: false, globIgnore: ['assets/**'],
      setHeaders: (reply) => void reply.header('cache-control', 'no-store'),
    });
    app.get('/*', { schema: { hide: true } }, async (req, reply) => {
      const pathname = req.url.split('?')[0] ?? '/';
      const last = pathname.split('/').pop() ?? '';
      if (API_PATH.test(pathname) && pathname.split('/').some((seg) => seg.length > MAX_PARAM_LENGTH)) throw new KeyholeError('URL_TOO_LONG');
      if (API_PATH.test(pathname) || last.includes('.')) throw new KeyholeError('ROUTE_NOT_FOUND');
      return reply.sendFile('index.html'); // with this instance's no-store header
    });
  };
}

/** Marks every API response `no-store`: customer views and revealed values must not stay in
 *  the browser's HTTP cache (or a shared proxy) after the screen moved on. */
export function installNoStore(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
