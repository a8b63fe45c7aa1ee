// SCIM 2.0 provisioning (RFC 7643/7644) over scimmy: the User and Group resource types of the
// identity provider, stored as agents (./provisioning.ts) and groups. scimmy's resource
// classes are process-wide singletons, so the handlers are declared once and reach the
// runtime through the per-request context scimmy passes along (`ScimContext`).
// Users: userName ↔ identity_users.user_name (the agent's email for staff the provider did not
// create), active ↔ idp_active; Groups: displayName and members. docs/identity.md.
import SCIMMY from 'scimmy';
import { newId } from '../access/ids.js';
import { lockUserName, provisioningTransaction, reconcileAgent, appendIdpRecord, type IdpActor, type ProvisioningDeps, type Outbox } from './provisioning.js';
import { mapIdentity } from './mapping.js';
import type { IdentityDb } from './tables.js';

/** What a SCIM handler needs for one request. */
export interface ScimContext {
  readonly deps: ProvisioningDeps;
  readonly actor: IdpActor;
  /** An unexpected failure inside a handler (scimmy would otherwise call it a 404). */
  failure?: unknown;
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The most resources one list returns (RFC 7644 §3.4.2.4 `count`). */
export const SCIM_MAX_RESULTS = 1000;

type Json = Record<string, unknown>;
type ScimResource = { id?: string; filter?: InstanceType<typeof SCIMMY.Types.Filter>; constraints?: { count?: number; startIndex?: number } };

const scimError = (status: number, scimType: string | null, message: string) => new SCIMMY.Types.Error(status, scimType as never, message);

/** Runs a handler: SCIM errors pass, anything else becomes a 500 and is kept on the context. */
async function guarded<T>(ctx: ScimContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SCIMMY.Types.Error) throw e;
    ctx.failure = e;
    throw scimError(500, null, 'Internal error.');
  }
}

/** Checks what scimmy's filter parser lets through: a comparison without a value, or a
 *  dangling logical operator. @throws SCIM 400 invalidFilter. */
export function checkFilter(text: unknown): void {
  if (typeof text !== 'string') return;
  if (/\b(and|or|not)\s*$/i.test(text.trim()) || /^\s*(and|or)\b/i.test(text)) throw scimError(400, 'invalidFilter', 'The filter ends or starts with a logical operator.');
  const walk = (expr: unknown): void => {
    if (Array.isArray(expr)) {
      if (typeof expr[0] === 'string' && !['pr', 'np'].includes(expr[0].toLowerCase()) && expr.length < 2) throw scimError(400, 'invalidFilter', `The comparison '${expr[0]}' has no value.`);
      if (typeof expr[0] !== 'string') expr.forEach(walk);
    } else if (expr && typeof expr === 'object') Object.values(expr).forEach(walk);
  };
  walk([...new SCIMMY.Types.Filter(text)]);
}

/** A copy of `filter` whose values compared with `keys` (case-insensitive attributes such as
 *  userName and displayName, RFC 7643 §4.1.1 and §4.2) are lower-cased. */
function foldCase(filter: InstanceType<typeof SCIMMY.Types.Filter>, keys: readonly string[]): InstanceType<typeof SCIMMY.Types.Filter> {
  const fold = (x: unknown, key?: string): unknown => {
    if (Array.isArray(x)) return key !== undefined && keys.includes(key.toLowerCase()) && typeof x[1] === 'string' ? [x[0], x[1].toLowerCase(), ...x.slice(2)] : x.map((y) => fold(y));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x as Json).map(([k, v]) => [k, fold(v, k)]));
    return x;
  };
  return new SCIMMY.Types.Filter(fold(JSON.parse(JSON.stringify([...filter]))) as never);
}

// ---------- Users

type UserRow = {
  id: string; name: string; email: string; status: string; created_at: Date;
  user_name: string | null; external_id: string | null; idp_active: boolean | null; attributes: unknown; updated_at: Date | null; deleted_at: Date | null;
};

function usersQuery(db: IdentityDb) {
  return db.selectFrom('agents as a').leftJoin('identity_users as u', 'u.agent_id', 'a.id')
    .select(['a.id', 'a.name', 'a.email', 'a.status', 'a.created_at', 'u.user_name', 'u.external_id', 'u.idp_active', 'u.attributes', 'u.updated_at', 'u.deleted_at'])
    .where((eb) => eb.or([eb('u.deleted_at', 'is', null), eb('u.agent_id', 'is', null)]));
}

/** The groups of `agentIds` (one query), by agent. */
async function groupsOf(db: IdentityDb, agentIds: readonly string[]): Promise<Map<string, { id: string; display_name: string }[]>> {
  const out = new Map<string, { id: string; display_name: string }[]>();
  if (agentIds.length === 0) return out;
  const rows = await db.selectFrom('identity_group_members as m').innerJoin('identity_groups as g', 'g.id', 'm.group_id')
    .select(['m.agent_id', 'g.id', 'g.display_name']).where('m.agent_id', 'in', [...agentIds]).orderBy('g.display_name').execute();
  for (const r of rows) out.set(r.agent_id, [...(out.get(r.agent_id) ?? []), { id: r.id, display_name: r.display_name }]);
  return out;
}

/** The value of a filter that is exactly `<attribute> eq "<value>"` (the lookup Okta and Entra
 *  make before every create), or undefined. */
function simpleEq(filter: ScimResource['filter'], attribute: string): string | undefined {
  if (!filter || filter.length !== 1) return undefined;
  const entries = Object.entries(filter[0] as Json);
  if (entries.length !== 1) return undefined;
  const [key, cmp] = entries[0]!;
  return key.toLowerCase() === attribute.toLowerCase() && Array.isArray(cmp) && cmp.length === 2 && String(cmp[0]).toLowerCase() === 'eq' && typeof cmp[1] === 'string' ? cmp[1] : undefined;
}

const parseAttrs = (a: unknown): Json => (typeof a === 'string' ? (JSON.parse(a) as Json) : ((a as Json | null) ?? {}));

async function userOut(db: IdentityDb, r: UserRow, memberships?: Map<string, { id: string; display_name: string }[]>): Promise<Json> {
  const groups = memberships?.get(r.id) ?? (await groupsOf(db, [r.id])).get(r.id) ?? [];
  const attrs = parseAttrs(r.attributes);
  return {
    ...attrs,
    schemas: attrs[ENTERPRISE] ? ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE] : ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: r.id,
    userName: r.user_name ?? r.email,
    ...(r.external_id ? { externalId: r.external_id } : {}),
    displayName: (attrs.displayName as string | undefined) ?? r.name,
    active: r.idp_active ?? r.status === 'active',
    emails: (attrs.emails as unknown[] | undefined) ?? [{ value: r.email, type: 'work', primary: true }],
    groups: groups.map((g) => ({ value: g.id, display: g.display_name, type: 'direct' })),
    meta: { resourceType: 'User', created: r.created_at.toISOString(), lastModified: (r.updated_at ?? r.created_at).toISOString() },
  };
}

/** The agent's name and email from a SCIM user. */
function nameAndEmail(u: Json): { name: string; email: string } {
  const n = (u.name ?? {}) as Json;
  const emails = Array.isArray(u.emails) ? (u.emails as Json[]) : [];
  const email = (emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0])?.value;
  const userName = String(u.userName);
  const name = (typeof u.displayName === 'string' && u.displayName.trim()) || (typeof n.formatted === 'string' && n.formatted.trim())
    || [n.givenName, n.familyName].filter((x) => typeof x === 'string' && x).join(' ') || userName;
  const mail = typeof email === 'string' && email.includes('@') ? email : userName.includes('@') ? userName : `${userName}@scim.invalid`;
  return { name: String(name).slice(0, 200), email: mail.toLowerCase().slice(0, 320) };
}

/** The attributes kept as sent (everything but what has its own column or is computed). */
function keptAttributes(u: Json): string {
  const { id: _i, userName: _u, externalId: _e, active: _a, groups: _g, meta: _m, schemas: _s, password: _p, ...rest } = u;
  return JSON.stringify(rest);
}

async function readUsers(ctx: ScimContext, resource: ScimResource): Promise<Json | Json[]> {
  const db = ctx.deps.db;
  if (resource.id !== undefined) {
    const r = await usersQuery(db).where('a.id', '=', resource.id).executeTakeFirst();
    if (!r) throw scimError(404, null, `Resource ${resource.id} not found`);
    return userOut(db, r);
  }
  const eq = simpleEq(resource.filter, 'userName')?.toLowerCase();
  let q = usersQuery(db);
  if (eq !== undefined) {
    q = q.where((eb) => eb.or([eb(eb.fn('lower', ['u.user_name']), '=', eq), eb.and([eb('u.agent_id', 'is', null), eb(eb.fn('lower', ['a.email']), '=', eq)])]));
  }
  const rows = await q.orderBy('a.created_at').orderBy('a.id').limit(10_000).execute();
  const memberships = await groupsOf(db, rows.map((r) => r.id));
  const all = await Promise.all(rows.map((r) => userOut(db, r, memberships)));
  if (!resource.filter || eq !== undefined) return all;
  const filter = foldCase(resource.filter, ['username']);
  const shadow = all.map((u, i) => ({ ...u, userName: String(u.userName).toLowerCase(), __i: i }));
  return (filter.match(shadow) as { __i: number }[]).map((s) => all[s.__i]!);
}

async function writeUser(ctx: ScimContext, resource: ScimResource, instance: Json): Promise<Json> {
  const { deps, actor } = ctx;
  const userName = String(instance.userName ?? '').trim();
  if (!userName || userName.length > 320) throw scimError(400, 'invalidValue', 'userName is required (at most 320 characters).');
  const active = instance.active !== false;
  const { name, email } = nameAndEmail(instance);
  const externalId = typeof instance.externalId === 'string' ? instance.externalId.slice(0, 300) : null;
  const id = await provisioningTransaction(deps, async (trx, out) => {
    await lockUserName(trx, userName);
    const now = deps.clock.now();
    const clash = await usersQuery(trx).where((eb) => eb.or([eb(eb.fn('lower', ['u.user_name']), '=', userName.toLowerCase()), eb.and([eb('u.agent_id', 'is', null), eb(eb.fn('lower', ['a.email']), '=', userName.toLowerCase())])]))
      .select('a.id as clash_id').executeTakeFirst();
    if (clash && clash.id !== resource.id) throw scimError(409, 'uniqueness', 'A user with this userName already exists.');
    if (resource.id === undefined) return createUser(trx, ctx, out, { userName, externalId, active, name, email, attributes: keptAttributes(instance), now });
    const existing = await usersQuery(trx).where('a.id', '=', resource.id).executeTakeFirst();
    if (!existing) throw scimError(404, null, `Resource ${resource.id} not found`);
    const emailTaken = await trx.selectFrom('agents').select('id').where('email', '=', email).where('id', '<>', resource.id).executeTakeFirst();
    await trx.updateTable('agents').set({ name, ...(emailTaken ? {} : { email }) }).where('id', '=', resource.id).execute();
    if (existing.user_name === null) {
      await trx.insertInto('identity_users').values({ agent_id: resource.id, user_name: userName, external_id: externalId, idp_active: active, attributes: keptAttributes(instance), created_at: now, updated_at: now, deleted_at: null }).execute();
      await appendIdpRecord(trx, out, actor, now, 'agent_update', 'now managed by the identity provider', { target: resource.id, userName });
    } else {
      await trx.updateTable('identity_users').set({ user_name: userName, external_id: externalId, idp_active: active, attributes: keptAttributes(instance), updated_at: now }).where('agent_id', '=', resource.id).execute();
    }
    await reconcileAgent(trx, deps, actor, resource.id, out);
    return resource.id;
  });
  const r = await usersQuery(deps.db).where('a.id', '=', id).executeTakeFirstOrThrow();
  return userOut(deps.db, r);
}

async function createUser(trx: IdentityDb, ctx: ScimContext, out: Outbox, u: { userName: string; externalId: string | null; active: boolean; name: string; email: string; attributes: string; now: Date }): Promise<string> {
  const { deps, actor } = ctx;
  const emailTaken = await trx.selectFrom('agents').select('id').where('email', '=', u.email).executeTakeFirst();
  if (emailTaken) throw scimError(409, 'uniqueness', 'A user with this email already exists.');
  const id = newId('agt');
  const m = mapIdentity(deps.mapping, []);
  const entitled = u.active && m.entitled;
  await trx.insertInto('agents').values({
    id, name: u.name, email: u.email, role: m.role, team: m.team, vendor: m.vendor, regions: [...m.regions],
    status: entitled ? 'active' : 'suspended', created_at: u.now, suspended_at: entitled ? null : u.now,
  }).execute();
  await trx.insertInto('identity_users').values({
    agent_id: id, user_name: u.userName, external_id: u.externalId, idp_active: u.active, idp_suspended: !entitled, attributes: u.attributes, created_at: u.now, updated_at: u.now, deleted_at: null,
  }).execute();
  await appendIdpRecord(trx, out, actor, u.now, 'agent_provision', null, {
    target: id, userName: u.userName, role: m.role, team: m.team, vendor: m.vendor, regions: [...m.regions], status: entitled ? 'active' : 'suspended',
  });
  return id;
}

async function deleteUser(ctx: ScimContext, resource: ScimResource): Promise<void> {
  const { deps, actor } = ctx;
  await provisioningTransaction(deps, async (trx, out) => {
    const r = await usersQuery(trx).where('a.id', '=', resource.id!).executeTakeFirst();
    if (!r) throw scimError(404, null, `Resource ${resource.id} not found`);
    const now = deps.clock.now();
    if (r.user_name === null) {
      await trx.insertInto('identity_users').values({ agent_id: r.id, user_name: r.email, external_id: null, idp_active: false, attributes: '{}', created_at: now, updated_at: now, deleted_at: now }).execute();
    } else {
      await trx.updateTable('identity_users').set({ deleted_at: now, idp_active: false, updated_at: now }).where('agent_id', '=', r.id).execute();
    }
    const groups = await trx.deleteFrom('identity_group_members').where('agent_id', '=', r.id).returning('group_id').execute();
    await reconcileAgent(trx, deps, actor, r.id, out);
    if (groups.length > 0) await appendIdpRecord(trx, out, actor, now, 'group_update', 'user deleted', { target: r.id, removedFrom: groups.map((g) => g.group_id) });
  });
}

// ---------- Groups

async function groupOut(db: IdentityDb, g: { id: string; display_name: string; external_id: string | null; created_at: Date; updated_at: Date }, withMembers = true): Promise<Json> {
  const members = withMembers ? await db.selectFrom('identity_group_members as m').innerJoin('agents as a', 'a.id', 'm.agent_id')
    .select(['a.id', 'a.name']).where('m.group_id', '=', g.id).orderBy('a.id').execute() : [];
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: g.id, displayName: g.display_name, ...(g.external_id ? { externalId: g.external_id } : {}),
    members: members.map((m) => ({ value: m.id, display: m.name, type: 'User' })),
    meta: { resourceType: 'Group', created: g.created_at.toISOString(), lastModified: g.updated_at.toISOString() },
  };
}

const GROUP_COLUMNS = ['id', 'display_name', 'external_id', 'created_at', 'updated_at'] as const;

async function readGroups(ctx: ScimContext, resource: ScimResource): Promise<Json | Json[]> {
  const db = ctx.deps.db;
  if (resource.id !== undefined) {
    const g = await db.selectFrom('identity_groups').select(GROUP_COLUMNS).where('id', '=', resource.id).executeTakeFirst();
    if (!g) throw scimError(404, null, `Resource ${resource.id} not found`);
    return groupOut(db, g);
  }
  const eq = simpleEq(resource.filter, 'displayName')?.toLowerCase();
  let q = db.selectFrom('identity_groups').select(GROUP_COLUMNS);
  if (eq !== undefined) q = q.where((eb) => eb(eb.fn('lower', ['display_name']), '=', eq));
  const rows = await q.orderBy('created_at').orderBy('id').limit(10_000).execute();
  const all = await Promise.all(rows.map((g) => groupOut(db, g)));
  if (!resource.filter || eq !== undefined) return all;
  const filter = foldCase(resource.filter, ['displayname']);
  const shadow = all.map((g, i) => ({ ...g, displayName: String(g.displayName).toLowerCase(), __i: i }));
  return (filter.match(shadow) as { __i: number }[]).map((s) => all[s.__i]!);
}

async function writeGroup(ctx: ScimContext, resource: ScimResource, instance: Json): Promise<Json> {
  const { deps, actor } = ctx;
  const displayName = String(instance.displayName ?? '').trim();
  if (!displayName || displayName.length > 200) throw scimError(400, 'invalidValue', 'displayName is required (at most 200 characters).');
  const externalId = typeof instance.externalId === 'string' ? instance.externalId.slice(0, 300) : null;
  const wanted = [...new Set((Array.isArray(instance.members) ? (instance.members as Json[]) : []).map((m) => String(m.value ?? '')))];
  const id = await provisioningTransaction(deps, async (trx, out) => {
    const now = deps.clock.now();
    const clash = await trx.selectFrom('identity_groups').select('id').where((eb) => eb(eb.fn('lower', ['display_name']), '=', displayName.toLowerCase())).executeTakeFirst();
    if (clash && clash.id !== resource.id) throw scimError(409, 'uniqueness', 'A group with this displayName already exists.');
    const known = wanted.length === 0 ? [] : await trx.selectFrom('agents').select('id').where('id', 'in', wanted).execute();
    if (known.length !== wanted.length) throw scimError(400, 'invalidValue', 'A member is not a known user.');
    let gid = resource.id;
    let before: string[] = [];
    if (gid === undefined) {
      gid = newId('grp');
      await trx.insertInto('identity_groups').values({ id: gid, display_name: displayName, external_id: externalId, created_at: now, updated_at: now }).execute();
    } else {
      const g = await trx.selectFrom('identity_groups').select(['id', 'display_name']).where('id', '=', gid).forUpdate().executeTakeFirst();
      if (!g) throw scimError(404, null, `Resource ${gid} not found`);
      await trx.updateTable('identity_groups').set({ display_name: displayName, external_id: externalId, updated_at: now }).where('id', '=', gid).execute();
      before = (await trx.selectFrom('identity_group_members').select('agent_id').where('group_id', '=', gid).execute()).map((m) => m.agent_id);
    }
    const added = wanted.filter((m) => !before.includes(m));
    const removed = before.filter((m) => !wanted.includes(m));
    if (added.length > 0) await trx.insertInto('identity_group_members').values(added.map((agent_id) => ({ group_id: gid!, agent_id }))).execute();
    if (removed.length > 0) await trx.deleteFrom('identity_group_members').where('group_id', '=', gid).where('agent_id', 'in', removed).execute();
    // Staff the provider did not create become managed by it once it puts them in a group.
    for (const a of added) {
      await trx.insertInto('identity_users').columns(['agent_id', 'user_name', 'external_id', 'idp_active', 'attributes', 'created_at', 'updated_at', 'deleted_at'])
        .expression((eb) => eb.selectFrom('agents').select([
          'id', 'email', eb.val(null).as('external_id'), eb.val(true).as('idp_active'), eb.val('{}').as('attributes'), eb.val(now).as('created_at'), eb.val(now).as('updated_at'), eb.val(null).as('deleted_at'),
        ]).where('id', '=', a)).onConflict((oc) => oc.column('agent_id').doNothing()).execute();
    }
    if (resource.id === undefined || added.length > 0 || removed.length > 0 || before.length === 0) {
      await appendIdpRecord(trx, out, actor, now, 'group_update', resource.id === undefined ? 'group created' : 'group changed', { group: gid, displayName, added, removed });
    }
    for (const a of [...added, ...removed].sort()) await reconcileAgent(trx, deps, actor, a, out);
    return gid;
  });
  const g = await deps.db.selectFrom('identity_groups').select(GROUP_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
  return groupOut(deps.db, g);
}

async function deleteGroup(ctx: ScimContext, resource: ScimResource): Promise<void> {
  const { deps, actor } = ctx;
  await provisioningTransaction(deps, async (trx, out) => {
    const g = await trx.selectFrom('identity_groups').select(['id', 'display_name']).where('id', '=', resource.id!).forUpdate().executeTakeFirst();
    if (!g) throw scimError(404, null, `Resource ${resource.id} not found`);
    const members = (await trx.deleteFrom('identity_group_members').where('group_id', '=', g.id).returning('agent_id').execute()).map((m) => m.agent_id).sort();
    await trx.deleteFrom('identity_groups').where('id', '=', g.id).execute();
    await appendIdpRecord(trx, out, actor, deps.clock.now(), 'group_update', 'group deleted', { group: g.id, displayName: g.display_name, added: [], removed: members });
    for (const a of members) await reconcileAgent(trx, deps, actor, a, out);
  });
}

// ---------- Declarations (once per process)

let declared = false;

/** Declares the User (with the enterprise extension) and Group resource types and the
 *  service provider configuration with scimmy (idempotent). */
export function declareScim(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({
    patch: true, filter: { supported: true, maxResults: SCIM_MAX_RESULTS }, bulk: false, changePassword: false, sort: true, etag: false,
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A SCIM token from `keyhole tokens create --scim NAME` (RFC 6750).', primary: true }],
  });
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false)
    .egress((res, ctx) => guarded(ctx as ScimContext, () => readUsers(ctx as ScimContext, res as ScimResource)) as never)
    .ingress((res, inst, ctx) => guarded(ctx as ScimContext, () => writeUser(ctx as ScimContext, res as ScimResource, JSON.parse(JSON.stringify(inst)) as Json)) as never)
    .degress((res, ctx) => guarded(ctx as ScimContext, () => deleteUser(ctx as ScimContext, res as ScimResource))));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group
    .egress((res, ctx) => guarded(ctx as ScimContext, () => readGroups(ctx as ScimContext, res as ScimResource)) as never)
    .ingress((res, inst, ctx) => guarded(ctx as ScimContext, () => writeGroup(ctx as ScimContext, res as ScimResource, JSON.parse(JSON.stringify(inst)) as Json)) as never)
    .degress((res, ctx) => guarded(ctx as ScimContext, () => deleteGroup(ctx as ScimContext, res as ScimResource))));
}

/** Normalizes the PATCH quirks of Microsoft Entra ID before scimmy applies it: `"True"` /
 *  `"False"` strings for booleans and `"$ref": null` in member values. */
export function normalizePatch(body: unknown): unknown {
  if (!body || typeof body !== 'object' || !Array.isArray((body as Json).Operations)) return body;
  const fixValue = (v: unknown): unknown => {
    if (v === 'True' || v === 'true') return true;
    if (v === 'False' || v === 'false') return false;
    return v;
  };
  const ops = ((body as Json).Operations as unknown[]).map((op) => {
    if (!op || typeof op !== 'object' || Array.isArray(op)) return op;
    const o = { ...(op as Json) };
    if (typeof o.path === 'string' && o.path.toLowerCase() === 'active') o.value = fixValue(o.value);
    if (o.value && typeof o.value === 'object' && !Array.isArray(o.value) && 'active' in (o.value as Json)) o.value = { ...(o.value as Json), active: fixValue((o.value as Json).active) };
    if (Array.isArray(o.value)) o.value = o.value.map((v) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Json).filter(([k, x]) => !(k === '$ref' && x === null))) : v));
    return o;
  });
  return { ...(body as Json), Operations: ops };
}
