// Bearer tokens: an agent's API token acts as that agent; a service token (the exchange's
// backend) and a SCIM token (the identity provider) act as a named service limited to its
// scopes. Tokens expire, can be listed and revoked, and are revoked when their agent is
// suspended (src/access/agents.ts). Issuing and revoking are on the audit log, in the same
// transaction. Only SHA-256 hashes are stored (RFC 6750 bearer usage).
import { randomBytes } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { newId } from '../access/ids.js';
import type { Agent, BrokerDb } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import { prepared } from '../store/prepared.js';
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

/** Who issues or revokes a token, for its audit record: a signed-in staff member (`agentId`,
 *  the request's id) or an operator at the command line (`agentId` null, `via` 'cli'). */
export interface TokenActor {
  readonly agentId: string | null;
  readonly requestId: string;
  readonly via: 'api' | 'cli' | 'system';
}

const defaultActor = (createdBy: string | undefined): TokenActor => ({ agentId: null, requestId: newId('req'), via: createdBy === 'cli' ? 'cli' : 'system' });

function tokenRecord(actor: TokenActor, now: Date, action: 'token_create' | 'token_revoke', reason: string | null, details: AuditRecord['details']): AuditRecord {
  return {
    v: 1, time: now.toISOString(), requestId: actor.requestId, action, agentId: actor.agentId, customerId: null, ticketId: null,
    decision: 'allow', fields: {}, policyIds: [], reason, details: { ...details, actor: actor.via },
  };
}

/** Issues a token of `spec` and records `token_create` (never the secret) in one transaction.
 *  @throws KeyholeError BAD_REQUEST on an unknown scope or an empty service name;
 *  AUDIT_APPEND_FAILED when it cannot be recorded (nothing is issued then). */
export async function issueToken(db: BrokerDb, clock: Clock, spec: TokenSpec, actor: TokenActor = defaultActor(spec.createdBy)): Promise<IssuedToken> {
  const now = clock.now();
  const ttl = spec.ttlMs === undefined ? (spec.kind === 'agent' ? AGENT_TOKEN_TTL_MS : SERVICE_TOKEN_TTL_MS) : spec.ttlMs;
  if (ttl !== null && !(Number.isFinite(ttl) && ttl > 0)) throw new KeyholeError('BAD_REQUEST', 'A token lifetime must be a positive duration.');
  const expiresAt = ttl === null ? null : new Date(now.getTime() + ttl);
  const token = `kh_${randomBytes(32).toString('base64url')}`;
  const id = newId('tok');
  const common = { token_hash: secretHash(token), id, label: spec.label, created_at: now, expires_at: expiresAt, created_by: spec.createdBy ?? null, revoked_at: null, revoked_by: null, revoked_reason: null };
  if (spec.kind !== 'agent') {
    if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(spec.serviceName)) throw new KeyholeError('BAD_REQUEST', 'A service name is 1–63 lower-case letters, digits, dots, dashes or underscores.');
    const unknown = spec.scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || spec.scopes.length === 0) throw new KeyholeError('BAD_REQUEST', `A service token needs one or more scopes of: ${TOKEN_SCOPES.join(', ')}.`);
  }
  const row = spec.kind === 'agent'
    ? { ...common, kind: 'agent' as const, agent_id: spec.agentId, service_name: null, scopes: [] }
    : { ...common, kind: spec.kind, agent_id: null, service_name: spec.serviceName, scopes: [...new Set(spec.scopes)] };
  await db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    await trx.insertInto('api_tokens').values(row).execute();
    await appendAudit(trx, tokenRecord(actor, now, 'token_create', null, {
      tokenId: id, kind: row.kind, target: row.agent_id ?? row.service_name, scopes: row.scopes, expiresAt: expiresAt?.toISOString() ?? null,
    }));
  });
  return { id, token, expiresAt };
}

/** Creates an agent's API token with the default lifetime; returns the secret (shown once). */
export async function createApiToken(db: BrokerDb, clock: Clock, agentId: string, label: string): Promise<string> {
  return (await issueToken(db, clock, { kind: 'agent', agentId, label })).token;
}

/** The active agent of a live (unrevoked, unexpired) agent token, or undefined. */
export async function agentForToken(db: BrokerDb, clock: Clock, token: string): Promise<Agent | undefined> {
  const r = await db.executeQuery<Agent>(CompiledQuery.raw(AGENT_FOR_TOKEN, [secretHash(token), clock.now()]));
  return r.rows[0];
}

// Precompiled and a named prepared statement (issue 13: every bearer request runs it): the active agent of a live agent token.
const AGENT_FOR_TOKEN = prepared(`select a.id, a.name, a.email, a.role, a.team, a.vendor, a.regions, a.status
  from api_tokens t join agents a on a.id = t.agent_id
  where t.token_hash = $1 and t.kind = 'agent' and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2)
    and a.status = 'active'
  limit 1`);

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

const TOKEN_COLUMNS = ['id', 'kind', 'agent_id', 'service_name', 'scopes', 'label', 'created_at', 'expires_at', 'created_by', 'revoked_at', 'revoked_by'] as const;

type TokenRow = { id: string; kind: TokenKind; agent_id: string | null; service_name: string | null; scopes: string[]; label: string; created_at: Date; expires_at: Date | null; created_by: string | null; revoked_at: Date | null; revoked_by: string | null };

const toInfo = (r: TokenRow): TokenInfo => ({
  id: r.id, kind: r.kind, agentId: r.agent_id, serviceName: r.service_name, scopes: r.scopes, label: r.label, createdAt: r.created_at,
  expiresAt: r.expires_at, createdBy: r.created_by, revokedAt: r.revoked_at, revokedBy: r.revoked_by,
});

/** Tokens, newest first (at most `limit`, default 1000); `agentId` and `kind` narrow,
 *  `includeRevoked` adds revoked ones. */
export async function listTokens(db: BrokerDb, filter: { agentId?: string | undefined; kind?: TokenKind | undefined; includeRevoked?: boolean; limit?: number } = {}): Promise<TokenInfo[]> {
  let q = db.selectFrom('api_tokens').select(TOKEN_COLUMNS);
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (!filter.includeRevoked) q = q.where('revoked_at', 'is', null);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit ?? 1000).execute();
  return rows.map(toInfo);
}

/** Token `id` (live or revoked), or undefined. */
export async function getToken(db: BrokerDb, id: string): Promise<TokenInfo | undefined> {
  const r = await db.selectFrom('api_tokens').select(TOKEN_COLUMNS).where('id', '=', id).executeTakeFirst();
  return r ? toInfo(r) : undefined;
}

/** Revokes token `id` and records `token_revoke` in one transaction; returns false (and
 *  records nothing) when it does not exist or was already revoked.
 *  @throws KeyholeError AUDIT_APPEND_FAILED when it cannot be recorded (nothing is revoked then). */
export async function revokeToken(db: BrokerDb, clock: Clock, id: string, by: string, reason: string, actor: TokenActor = defaultActor(by)): Promise<boolean> {
  const now = clock.now();
  return db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    const r = await trx.updateTable('api_tokens').set({ revoked_at: now, revoked_by: by, revoked_reason: reason })
      .where('id', '=', id).where('revoked_at', 'is', null).returning(['kind', 'agent_id', 'service_name']).executeTakeFirst();
    if (!r) return false;
    await appendAudit(trx, tokenRecord(actor, now, 'token_revoke', reason, { tokenId: id, kind: r.kind, target: r.agent_id ?? r.service_name, revokedBy: by }));
    return true;
  });
}
