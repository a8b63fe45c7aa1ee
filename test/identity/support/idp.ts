// A real OpenID Provider for the tests: oidc-provider (the certified Node implementation) on
// 127.0.0.1 with a test client and users, its development login form, and a switch that makes
// its token endpoint answer with a tampered ID token (forged signature, alg none, expired,
// wrong audience, nonce or issuer) — re-signed with the provider's own key where the test is
// about a claim, not the signature. Also a fetch-based browser that walks the login form.
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

type GrantCtx = {
  oidc: {
    provider: { Grant: new (o: { clientId: string; accountId: string }) => { addOIDCScope(s: string): void; addOIDCClaims(c: string[]): void; save(): Promise<string> } };
    client?: { clientId: string };
    session?: { accountId?: string };
  };
};

/** A test user: login name → claims. */
export interface TestUser {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

/** How the token endpoint tampers with the ID token. */
export type Tamper = 'none' | 'forged-signature' | 'alg-none' | 'expired' | 'wrong-audience' | 'wrong-nonce' | 'wrong-issuer';

/** A running provider. */
export interface TestIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<string, TestUser>;
  tamper: Tamper;
  close(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function resign(jwt: string, key: KeyObject, edit: (header: Record<string, unknown>, payload: Record<string, unknown>) => void, alg: 'RS256' | 'none' = 'RS256'): string {
  const [h, p] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  edit(header, payload);
  if (alg === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** Starts oidc-provider on 127.0.0.1 for a relying party whose redirect URI is `redirectUri`
 *  and whose logout lands on `postLogoutUri`. */
export async function startIdp(redirectUris: readonly string[], postLogoutUri: string, users: Record<string, TestUser>): Promise<TestIdp> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  const realKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const userMap = new Map(Object.entries(users));
  const clientId = 'keyhole';
  const clientSecret = 'keyhole-test-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [...redirectUris], post_logout_redirect_uris: [postLogoutUri],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['test-cookie-signing-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    async findAccount(_ctx: unknown, id: string) {
      const u = userMap.get(id);
      if (!u) return undefined;
      return { accountId: id, async claims() { return { sub: id, email: u.email, email_verified: true, name: u.name, groups: [...u.groups] }; } };
    },
    async loadExistingGrant(ctx: GrantCtx) {
      // No consent screen: the test client is first-party.
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile groups');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
      await grant.save();
      return grant;
    },
  });
  const idp: TestIdp = {
    issuer, clientId, clientSecret, users: userMap, tamper: 'none',
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const handler = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/token') && idp.tamper !== 'none') {
      const mode = idp.tamper;
      const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
      (res as { end: unknown }).end = (chunk?: unknown) => {
        const text = chunk === undefined ? '' : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk);
        let out = text;
        try {
          const body = JSON.parse(text) as { id_token?: string };
          if (body.id_token) {
            const t = body.id_token;
            body.id_token =
              mode === 'alg-none' ? resign(t, realKey, () => undefined, 'none')
              : mode === 'forged-signature' ? resign(t, otherKey, () => undefined)
              : mode === 'expired' ? resign(t, realKey, (_h, p) => { p.iat = Math.floor(Date.now() / 1000) - 7200; p.exp = Math.floor(Date.now() / 1000) - 3600; })
              : mode === 'wrong-audience' ? resign(t, realKey, (_h, p) => { p.aud = 'another-client'; })
              : mode === 'wrong-nonce' ? resign(t, realKey, (_h, p) => { p.nonce = 'not-the-nonce'; })
              : resign(t, realKey, (_h, p) => { p.iss = 'https://unknown-issuer.example'; });
            out = JSON.stringify(body);
          }
        } catch {
          // not JSON: pass through
        }
        if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(out));
        return end(out);
      };
    }
    void handler(req, res);
  });
  return idp;
}

/** A minimal browser over fetch: one cookie jar per origin, manual redirects. */
export class FetchBrowser {
  readonly #jars = new Map<string, Map<string, string>>();

  /** The cookie `name` this browser holds for `origin`. */
  cookie(origin: string, name: string): string | undefined {
    return this.#jars.get(origin)?.get(name);
  }

  /** Sets a cookie by hand (for tests of foreign state). */
  setCookie(origin: string, name: string, value: string): void {
    const jar = this.#jars.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.#jars.set(origin, jar);
  }

  /** One request without following redirects. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.#jars.get(u.origin) ?? new Map<string, string>();
    this.#jars.set(u.origin, jar);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until one leaves for `stopAt` (an origin + path prefix) or a
   *  page answers 200; returns that URL and the last response. */
  async follow(url: string, stopAt: string): Promise<{ url: string; res: Response }> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      if (current.startsWith(stopAt)) return { url: current, res: new Response(null) };
      const res = await this.request(current);
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        current = new URL(loc, current).href;
        continue;
      }
      return { url: current, res };
    }
    throw new Error('too many redirects');
  }

  /** Signs in at the provider's development login form as `login`, starting from the
   *  authorization URL; returns the callback URL the provider redirects to. */
  async loginAtIdp(authUrl: string, login: string, callbackPrefix: string): Promise<string> {
    const page = await this.follow(authUrl, callbackPrefix);
    if (page.url.startsWith(callbackPrefix)) return page.url; // already signed in at the provider
    const html = await page.res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form at ${page.url}`);
    const submitted = await this.request(new URL(action.replaceAll('&amp;', '&'), page.url).href, { method: 'POST', form: { prompt: 'login', login, password: 'any' } });
    const next = submitted.headers.get('location');
    if (!next) throw new Error(`login form answered ${submitted.status}`);
    const done = await this.follow(new URL(next, page.url).href, callbackPrefix);
    if (!done.url.startsWith(callbackPrefix)) throw new Error(`the provider did not redirect back: ${done.url} ${done.res.status}`);
    return done.url;
  }
}
