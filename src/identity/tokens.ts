// Bearer tokens: an agent's API token acts as that agent; a service token (the exchange's
// backend) and a SCIM token (the identity provider) act as a named service limited to its
// scopes. Tokens expire, can be listed and revoked, and are revoked when their agent is
// suspended (src/access/agents.ts). Only SHA-256 hashes are stored (RFC 6750 bearer usage).
import { randomBytes } from 'node:crypto';
import { newId } from '../access/ids.js';
import type { Agent, BrokerDb } from '../access/model.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import { secretHash } from './sessions.js';

/** What a token acts as. */
export type TokenKind = 'agent' | 'service' | 'scim';

/** Default lifetime of an agent's API token: 30 days, in ms. */
export const AGENT_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
/** Default lifetime of a service or SCIM token: 365 days, in ms. */
export const SERVICE_TOKEN_TTL_MS = 365 * 24 * 3600 * 1000;

/** Scopes a service token may carry. `customers:write` is the customer sync API (issue 12);
 *  `scim` is SCIM provisioning; `tickets:write` the helpdesk sync; `audit:read` SIEM pulls. */
export const TOKEN_SCOPES = ['customers:write', 'tickets:write', 'audit:read', 'scim'] as const;
/** One scope. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What to issue. `ttlMs` null means no expiry (discouraged; default per kind). */
export type TokenSpec =
  | { readonly kind: 'agent'; readonly agentId: string; readonly label: string; readonly ttlMs?: number | null; readonly createdBy?: string }
  | { readonly kind: 'service' | 'scim'; readonly serviceName: string; readonly scopes: readonly TokenScope[]; readonly label: string; readonly ttlMs?: number | null; readonly createdBy?: string };

/** A token just issued: the secret is shown once and never stored. */
export interface IssuedToken {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: Date | null;
}

/** Issues a token of `spec`. @throws KeyholeError BAD_REQUEST on an unknown scope or an empty service name. */
export async function issueToken(db: BrokerDb, clock: Clock, spec: TokenSpec): Promise<IssuedToken> {
  const now = clock.now();
  const ttl = spec.ttlMs === undefined ? (spec.kind === 'agent' ? AGENT_TOKEN_TTL_MS : SERVICE_TOKEN_TTL_MS) : spec.ttlMs;
  if (ttl !== null && !(Number.isFinite(ttl) && ttl > 0)) throw new KeyholeError('BAD_REQUEST', 'A token lifetime must be a positive duration.');
  const expiresAt = ttl === null ? null : new Date(now.getTime() + ttl);
  const token = `kh_${randomBytes(32).toString('base64url')}`;
  const id = newId('tok');
  const common = { token_hash: secretHash(token), id, label: spec.label, created_at: now, expires_at: expiresAt, created_by: spec.createdBy ?? null, revoked_at: null, revoked_by: null, revoked_reason: null };
  if (spec.kind === 'agent') {
    await db.insertInto('api_tokens').values({ ...common, kind: 'agent', agent_id: spec.agentId, service_name: null, scopes: [] }).execute();
  } else {
    if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(spec.serviceName)) throw new KeyholeError('BAD_REQUEST', 'A service name is 1–63 lower-case letters, digits, dots, dashes or underscores.');
    const unknown = spec.scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || spec.scopes.length === 0) throw new KeyholeError('BAD_REQUEST', `A service token needs one or more scopes of: ${TOKEN_SCOPES.join(', ')}.`);
    await db.insertInto('api_tokens').values({ ...common, kind: spec.kind, agent_id: null, service_name: spec.serviceName, scopes: [...new Set(spec.scopes)] }).execute();
  }
  return { id, token, expiresAt };
}

/** Creates an agent's API token with the default lifetime; returns the secret (shown once). */
export async function createApiToken(db: BrokerDb, clock: Clock, agentId: string, label: string): Promise<string> {
  return (await issueToken(db, clock, { kind: 'agent', agentId, label })).token;
}

/** The active agent of a live (unrevoked, unexpired) agent token, or undefined. */
export async function agentForToken(db: BrokerDb, clock: Clock, token: string): Promise<Agent | undefined> {
  return db.selectFrom('api_tokens as t').innerJoin('agents as a', 'a.id', 't.agent_id')
    .select(['a.id', 'a.name', 'a.email', 'a.role', 'a.team', 'a.vendor', 'a.regions', 'a.status'])
    .where('t.token_hash', '=', secretHash(token)).where('t.kind', '=', 'agent').where('t.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', clock.now())]))
    .where('a.status', '=', 'active').executeTakeFirst();
}

/** A service acting through a service or SCIM token. */
export interface ServicePrincipal {
  readonly tokenId: string;
  readonly kind: 'service' | 'scim';
  readonly name: string;
  readonly scopes: readonly string[];
}

/** The service behind a live service/SCIM token, or undefined (unknown, revoked, expired, or an agent token). */
export async function serviceForToken(db: BrokerDb, clock: Clock, token: string): Promise<ServicePrincipal | undefined> {
  const r = await db.selectFrom('api_tokens').select(['id', 'kind', 'service_name', 'scopes'])
    .where('token_hash', '=', secretHash(token)).where('kind', '<>', 'agent').where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', clock.now())]))
    .executeTakeFirst();
  if (!r || r.kind === 'agent' || r.service_name === null) return undefined;
  return { tokenId: r.id, kind: r.kind, name: r.service_name, scopes: r.scopes };
}

/** One token as listed (never the secret). */
export interface TokenInfo {
  readonly id: string;
  readonly kind: TokenKind;
  readonly agentId: string | null;
  readonly serviceName: string | null;
  readonly scopes: readonly string[];
  readonly label: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly createdBy: string | null;
  readonly revokedAt: Date | null;
  readonly revokedBy: string | null;
}

/** Tokens, newest first; `agentId` narrows to one agent's, `includeRevoked` adds revoked ones. */
export async function listTokens(db: BrokerDb, filter: { agentId?: string; includeRevoked?: boolean } = {}): Promise<TokenInfo[]> {
  let q = db.selectFrom('api_tokens').select(['id', 'kind', 'agent_id', 'service_name', 'scopes', 'label', 'created_at', 'expires_at', 'created_by', 'revoked_at', 'revoked_by']);
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
  if (!filter.includeRevoked) q = q.where('revoked_at', 'is', null);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, agentId: r.agent_id, serviceName: r.service_name, scopes: r.scopes, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, createdBy: r.created_by, revokedAt: r.revoked_at, revokedBy: r.revoked_by }));
}

/** Revokes token `id`; returns false when it does not exist or was already revoked. */
export async function revokeToken(db: BrokerDb, clock: Clock, id: string, by: string, reason: string): Promise<boolean> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: clock.now(), revoked_by: by, revoked_reason: reason })
    .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
