// OpenID Connect sign-in for staff (OIDC Core 1.0, authorization code flow with PKCE S256,
// `state` and `nonce`) through openid-client 6 — never hand-written JWT checks. ID-token
// signatures are verified (enableNonRepudiationChecks); issuer, audience, expiry, nonce,
// `max_age` and the code's single use are checked by openid-client and the provider. The
// signed-in person becomes the agent linked to (issuer, sub), else the agent with that
// verified email, else — only when the identity mapping allows just-in-time creation — a new
// agent. Sign-in, sign-out and every refusal are on the audit log. docs/identity.md.
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { newId } from '../access/ids.js';
import type { BrokerEvents } from '../access/events.js';
import type { Agent, BrokerDb } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError, type ErrorCode } from '../shared/errors.js';
import { mapIdentity, type IdentityMapping } from './mapping.js';
import { createSession } from './sessions.js';
import type { IdentityDb } from './tables.js';

/** The callback path (the redirect URI is the public base URL followed by it). */
export const OIDC_CALLBACK_PATH = '/v1/auth/oidc/callback';
/** How long a started sign-in may take: 10 minutes, in ms. */
export const OIDC_FLOW_TTL_MS = 10 * 60 * 1000;

/** The OpenID Connect settings (KEYHOLE_OIDC_*). */
export interface OidcSettings {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Keyhole's public base URL, e.g. https://keyhole.example.com. */
  readonly publicUrl: URL;
  /** Scopes asked for (always with `openid`). */
  readonly scopes: string;
  /** The provider's name on the sign-in button. */
  readonly providerName: string;
  /** Plain-HTTP issuer allowed (loopback issuers only: tests and local IdPs). */
  readonly allowInsecure: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(name: string, v: string): URL {
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) throw new Error('not https');
    return u;
  } catch {
    throw new KeyholeError('OIDC_CONFIG_INVALID', `${name} must be an https URL (http only on a loopback address).`);
  }
}

/** The settings from the environment: undefined when KEYHOLE_OIDC_ISSUER is unset.
 *  @throws KeyholeError OIDC_CONFIG_INVALID when the issuer is set but a setting is missing or malformed. */
export function oidcSettingsFromEnv(env: Readonly<Record<string, string | undefined>>, mapping: IdentityMapping): OidcSettings | undefined {
  const issuer = env.KEYHOLE_OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const clientId = env.KEYHOLE_OIDC_CLIENT_ID?.trim();
  const clientSecret = env.KEYHOLE_OIDC_CLIENT_SECRET?.trim();
  const publicUrl = (env.KEYHOLE_PUBLIC_URL ?? env.KEYHOLE_ORIGIN?.split(',')[0])?.trim();
  if (!clientId || !clientSecret || !publicUrl) {
    throw new KeyholeError('OIDC_CONFIG_INVALID', 'KEYHOLE_OIDC_ISSUER needs KEYHOLE_OIDC_CLIENT_ID, KEYHOLE_OIDC_CLIENT_SECRET and KEYHOLE_PUBLIC_URL.');
  }
  const iss = parseUrl('KEYHOLE_OIDC_ISSUER', issuer);
  const pub = parseUrl('KEYHOLE_PUBLIC_URL', publicUrl);
  const scopes = [...new Set(['openid', ...(env.KEYHOLE_OIDC_SCOPES ?? 'email profile').split(/[\s,]+/).filter(Boolean)])].join(' ');
  const providerName = env.KEYHOLE_OIDC_PROVIDER_NAME?.trim() || mapping.provider;
  return { issuer: iss, clientId, clientSecret, publicUrl: pub, scopes, providerName, allowInsecure: iss.protocol === 'http:' };
}

/** What sign-in needs. */
export interface OidcDeps {
  readonly db: BrokerDb;
  readonly clock: Clock;
  readonly events: BrokerEvents;
  readonly mapping: IdentityMapping;
}

/** A started sign-in: where to send the browser, and the state for the flow cookie. */
export interface StartedSignIn {
  readonly url: string;
  readonly state: string;
}

/** A finished sign-in. */
export interface SignedIn {
  readonly agent: Agent;
  readonly secret: string;
  readonly expiresAt: Date;
  readonly returnTo: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A path on this origin to land on after sign-in (anything else is `/`). */
export function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]{0,300}$/.test(v) ? v : '/';
}

/** The relying party: starts and finishes sign-ins and builds the logout URL. */
export class OidcSignIn {
  readonly settings: OidcSettings;
  readonly #deps: OidcDeps;
  #config: Promise<client.Configuration> | undefined;

  constructor(settings: OidcSettings, deps: OidcDeps) {
    this.settings = settings;
    this.#deps = deps;
  }

  /** The redirect URI registered with the provider. */
  get redirectUri(): string {
    return new URL(OIDC_CALLBACK_PATH, this.settings.publicUrl).href;
  }

  /** The provider's metadata (discovered once; a failed discovery is retried next time).
   *  @throws KeyholeError OIDC_PROVIDER_UNAVAILABLE. */
  async configuration(): Promise<client.Configuration> {
    this.#config ??= (async () => {
      const s = this.settings;
      const cfg = await client.discovery(s.issuer, s.clientId, undefined, client.ClientSecretBasic(s.clientSecret), s.allowInsecure ? { execute: [client.allowInsecureRequests] } : undefined);
      client.enableNonRepudiationChecks(cfg);
      return cfg;
    })();
    try {
      return await this.#config;
    } catch (cause) {
      this.#config = undefined;
      throw new KeyholeError('OIDC_PROVIDER_UNAVAILABLE', undefined, { cause });
    }
  }

  /** Starts a sign-in landing on `returnTo`; `maxAge` (seconds) asks the provider to
   *  re-authenticate a session older than that (0: always). */
  async start(returnTo: string, maxAge?: number): Promise<StartedSignIn> {
    const cfg = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.#deps.clock.now();
    // Sign-ins that were never finished are kept a day (for investigation), then dropped.
    await (this.#deps.db as unknown as IdentityDb).deleteFrom('identity_oidc_flows').where('expires_at', '<', new Date(now.getTime() - 24 * 3600_000)).execute();
    await (this.#deps.db as unknown as IdentityDb).insertInto('identity_oidc_flows').values({
      state_hash: sha256(state), code_verifier: verifier, nonce, return_to: safeReturnTo(returnTo), max_age: maxAge ?? null,
      created_at: now, expires_at: new Date(now.getTime() + OIDC_FLOW_TTL_MS), used_at: null,
    }).execute();
    const url = client.buildAuthorizationUrl(cfg, {
      redirect_uri: this.redirectUri, scope: this.settings.scopes, code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256', state, nonce, ...(maxAge === undefined ? {} : { max_age: String(maxAge), ...(maxAge === 0 ? { prompt: 'login' } : {}) }),
    });
    return { url: url.href, state };
  }

  /** Finishes a sign-in from the callback's query string `search` and the flow cookie's
   *  state; records `sign_in` or `sign_in_refused`. `from` (the client's network and device
   *  fingerprints) binds the new session to that client on the log.
   *  @throws KeyholeError OIDC_STATE_INVALID (unknown, reused, expired or foreign state),
   *  OIDC_SIGN_IN_REJECTED (the provider's answer did not verify: signature, alg, issuer,
   *  audience, expiry, nonce, code refused), OIDC_NOT_PROVISIONED, AGENT_SUSPENDED,
   *  OIDC_PROVIDER_UNAVAILABLE. */
  async finish(search: string, cookieState: string | undefined, requestId: string, from?: { readonly net: string; readonly dev: string }): Promise<SignedIn> {
    const { clock } = this.#deps;
    const db = this.#deps.db as unknown as IdentityDb;
    const params = new URLSearchParams(search);
    const state = params.get('state') ?? '';
    const refuse = async (code: ErrorCode, reason: string, details: AuditRecord['details'] = {}, cause?: unknown): Promise<never> => {
      await this.#record(requestId, 'sign_in_refused', 'deny', null, reason, { code, ...details });
      throw new KeyholeError(code, undefined, cause === undefined ? undefined : { cause });
    };
    if (!state || !cookieState || state.length > 200 || cookieState !== state) return refuse('OIDC_STATE_INVALID', 'the state does not match this browser\'s sign-in');
    const now = clock.now();
    const flow = await db.updateTable('identity_oidc_flows').set({ used_at: now })
      .where('state_hash', '=', sha256(state)).where('used_at', 'is', null).where('expires_at', '>', now)
      .returning(['code_verifier', 'nonce', 'return_to', 'max_age']).executeTakeFirst();
    if (!flow) return refuse('OIDC_STATE_INVALID', 'unknown, expired or already used state');
    const cfg = await this.configuration();
    if (params.has('error')) return refuse('OIDC_SIGN_IN_REJECTED', 'the provider returned an error', { error: (params.get('error') ?? '').slice(0, 64) });
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(cfg, new URL(`${this.redirectUri}?${params.toString()}`), {
        pkceCodeVerifier: flow.code_verifier, expectedState: state, expectedNonce: flow.nonce, idTokenExpected: true,
        ...(flow.max_age === null ? {} : { maxAge: flow.max_age }),
      });
    } catch (e) {
      if (isNetworkError(e)) throw new KeyholeError('OIDC_PROVIDER_UNAVAILABLE', undefined, { cause: e });
      return refuse('OIDC_SIGN_IN_REJECTED', 'the provider\'s answer did not verify', { error: errorKind(e) }, e);
    }
    const claims = tokens.claims();
    if (!claims) return refuse('OIDC_SIGN_IN_REJECTED', 'no ID token');
    let all: Record<string, unknown> = { ...claims };
    const groupsClaim = this.#deps.mapping.groupsClaim;
    if ((all[groupsClaim] === undefined || all.email === undefined) && cfg.serverMetadata().userinfo_endpoint) {
      try {
        all = { ...(await client.fetchUserInfo(cfg, tokens.access_token, claims.sub)), ...all };
      } catch {
        // userinfo is optional: the ID token's claims decide
      }
    }
    const issuer = claims.iss;
    const subject = claims.sub;
    const email = typeof all.email === 'string' && all.email_verified !== false ? all.email.toLowerCase() : undefined;
    const groups = groupsOf(all[groupsClaim]);
    const mapped = mapIdentity(this.#deps.mapping, groups, all);
    const who = { issuer, subject };

    let agent = await this.#resolve(issuer, subject, email);
    if (!agent) {
      if (!this.#deps.mapping.allowJit || email === undefined) return refuse('OIDC_NOT_PROVISIONED', 'not provisioned', who);
      if (!mapped.entitled) return refuse('OIDC_NOT_PROVISIONED', 'not in the Keyhole group', who);
      agent = await this.#createJit(issuer, subject, email, typeof all.name === 'string' ? all.name : email, mapped, requestId);
    }
    if (agent.status !== 'active') return refuse('AGENT_SUSPENDED', 'agent suspended', { ...who, target: agent.id });
    const managed = await db.selectFrom('identity_users').select('agent_id').where('agent_id', '=', agent.id).executeTakeFirst();
    if (!managed) {
      // Not provisioned over SCIM: the required group is checked at every sign-in, and the
      // claims set the attributes when the mapping says so (syncAtSignIn).
      if (!mapped.entitled) return refuse('OIDC_NOT_PROVISIONED', 'not in the Keyhole group', { ...who, target: agent.id });
      if (this.#deps.mapping.syncAtSignIn) agent = await this.#applyMapping(agent, mapped, requestId, issuer);
    }
    const exp = new Date(claims.exp * 1000);
    const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : now;
    const secret = await createSession(this.#deps.db, clock, agent.id, { expiresAt: exp, authMethod: 'oidc', authTime, oidcIssuer: issuer, ...(from ? { client: from } : {}) });
    await db.updateTable('identity_oidc_links').set({ last_sign_in_at: now }).where('issuer', '=', issuer).where('subject', '=', subject).execute();
    await this.#record(requestId, 'sign_in', 'allow', agent.id, null, { ...who, method: 'oidc', expiresAt: exp < new Date(now.getTime() + 12 * 3600_000) ? exp.toISOString() : null });
    return { agent, secret, expiresAt: exp, returnTo: flow.return_to };
  }

  /** The provider's end-session URL for RP-initiated logout (OIDC RP-Initiated Logout 1.0),
   *  returning to the public base URL; undefined when the provider has none. */
  async endSessionUrl(): Promise<string | undefined> {
    const cfg = await this.configuration();
    if (!cfg.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(cfg, { client_id: this.settings.clientId, post_logout_redirect_uri: new URL('/', this.settings.publicUrl).href }).href;
  }

  /** Records a sign-in event (agent `agentId` or nobody). */
  async #record(requestId: string, action: 'sign_in' | 'sign_in_refused' | 'sign_out', decision: 'allow' | 'deny', agentId: string | null, reason: string | null, details: AuditRecord['details']): Promise<void> {
    await recordSignEvent(this.#deps, requestId, action, decision, agentId, reason, details);
  }

  async #resolve(issuer: string, subject: string, email: string | undefined): Promise<Agent | undefined> {
    const db = this.#deps.db as unknown as IdentityDb;
    const cols = ['a.id', 'a.name', 'a.email', 'a.role', 'a.team', 'a.vendor', 'a.regions', 'a.status'] as const;
    const linked = await db.selectFrom('identity_oidc_links as l').innerJoin('agents as a', 'a.id', 'l.agent_id').select(cols)
      .where('l.issuer', '=', issuer).where('l.subject', '=', subject).executeTakeFirst();
    if (linked) return linked;
    if (email === undefined) return undefined;
    const byEmail = await db.selectFrom('agents as a').leftJoin('identity_users as u', 'u.agent_id', 'a.id').select(cols)
      .where((eb) => eb.or([eb('a.email', '=', email), eb(eb.fn('lower', ['u.user_name']), '=', email)]))
      .where((eb) => eb.or([eb('u.deleted_at', 'is', null), eb('u.agent_id', 'is', null)])).executeTakeFirst();
    if (!byEmail) return undefined;
    // One subject per agent per issuer: an agent already linked to another subject is not relinked.
    const other = await db.selectFrom('identity_oidc_links').select('subject').where('issuer', '=', issuer).where('agent_id', '=', byEmail.id).executeTakeFirst();
    if (other) return undefined;
    await db.insertInto('identity_oidc_links').values({ issuer, subject, agent_id: byEmail.id, created_at: this.#deps.clock.now(), last_sign_in_at: null }).onConflict((oc) => oc.doNothing()).execute();
    return byEmail;
  }

  async #createJit(issuer: string, subject: string, email: string, name: string, m: ReturnType<typeof mapIdentity>, requestId: string): Promise<Agent> {
    const now = this.#deps.clock.now();
    const id = newId('agt');
    const agent: Agent = { id, name: name.slice(0, 200), email, role: m.role, team: m.team, vendor: m.vendor, regions: [...m.regions], status: 'active' };
    await this.#deps.db.transaction().execute(async (tx) => {
      const trx = tx as unknown as IdentityDb;
      await trx.insertInto('agents').values({ ...agent, regions: [...m.regions], created_at: now, suspended_at: null }).execute();
      await trx.insertInto('identity_oidc_links').values({ issuer, subject, agent_id: id, created_at: now, last_sign_in_at: null }).execute();
      await appendAudit(trx, signRecord(now, requestId, 'agent_provision', 'allow', null, 'just-in-time at sign-in', {
        target: id, by: 'idp', idp: issuer, via: 'oidc', role: m.role, team: m.team, vendor: m.vendor, regions: [...m.regions], status: 'active',
      }));
    });
    return agent;
  }

  async #applyMapping(agent: Agent, m: ReturnType<typeof mapIdentity>, requestId: string, issuer: string): Promise<Agent> {
    const regions = [...m.regions];
    if (agent.role === m.role && agent.team === m.team && agent.vendor === m.vendor && [...agent.regions].sort().join() === regions.join()) return agent;
    const now = this.#deps.clock.now();
    await this.#deps.db.transaction().execute(async (tx) => {
      const trx: BrokerDb = tx;
      await trx.updateTable('agents').set({ role: m.role, team: m.team, vendor: m.vendor, regions }).where('id', '=', agent.id).execute();
      await appendAudit(trx, signRecord(now, requestId, 'agent_update', 'allow', null, 'claims at sign-in', {
        target: agent.id, by: 'idp', idp: issuer, via: 'oidc', role: m.role, team: m.team, vendor: m.vendor, regions, previousRole: agent.role,
      }));
    });
    return { ...agent, role: m.role, team: m.team, vendor: m.vendor, regions };
  }
}

function signRecord(now: Date, requestId: string, action: AuditRecord['action'], decision: 'allow' | 'deny', agentId: string | null, reason: string | null, details: AuditRecord['details']): AuditRecord {
  return { v: 1, time: now.toISOString(), requestId, action, agentId, customerId: null, ticketId: null, decision, fields: {}, policyIds: [], reason, details };
}

/** Records `sign_in`, `sign_out` or `sign_in_refused` on its own (published after commit). */
export async function recordSignEvent(deps: Pick<OidcDeps, 'db' | 'clock' | 'events'>, requestId: string, action: 'sign_in' | 'sign_in_refused' | 'sign_out', decision: 'allow' | 'deny', agentId: string | null, reason: string | null, details: AuditRecord['details']): Promise<void> {
  const record = signRecord(deps.clock.now(), requestId, action, decision, agentId, reason, details);
  await deps.db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    await appendAudit(trx, record);
  });
  deps.events.publish({ type: 'audit', record });
}

/** Group names from a claim: an array of strings, or one string. */
function groupsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string').slice(0, 1000);
  return typeof v === 'string' ? [v] : [];
}

function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError && /fetch failed|ECONNREFUSED|network/i.test(`${e.message} ${String((e as { cause?: unknown }).cause ?? '')}`);
}

/** A short non-secret name of an openid-client failure, for the log. */
function errorKind(e: unknown): string {
  const x = e as { code?: unknown; error?: unknown; name?: unknown };
  return String(x.error ?? x.code ?? x.name ?? 'error').slice(0, 64);
}
