// SCIM 2.0 provisioning over HTTP against the real server (issue 11 item 2): the request
// sequences Okta's and Microsoft Entra ID's provisioning documentation shows, group
// membership → role/team/vendor/regions through the identity mapping, de-provisioning that
// suspends at once (sessions ended, SSE stream closed, tokens revoked, on the log with the
// provider as actor), and bad tokens, filters and PATCH bodies refused with SCIM errors
// (RFC 7644 §3.12) that change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { parseMapping } from '../../src/identity/mapping.js';
import { issueToken } from '../../src/identity/tokens.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { openSse } from '../web/support/sse.js';

const MAPPING = parseMapping(`
provider: Okta
requiredGroup: keyhole-staff
defaults: { role: agent, team: unassigned, vendor: unassigned, regions: [] }
groups:
  keyhole-security: { role: security }
  keyhole-supervisors: { role: supervisor }
  team-payments: { team: payments, vendor: in-house, regions: [GB, IE] }
  region-dach: { regions: [DE, AT] }
`);

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

for (const backend of DATABASES) {
  describe(`SCIM 2.0 provisioning (${backend.name})`, () => {
    let h: Harness;
    let app: FastifyInstance;
    let base: string;
    let token: string;

    before(async () => {
      h = await startHarness(backend);
      app = await buildApp(h.rt, { demo: true, logger: false, console: false, identityMapping: MAPPING });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      token = (await issueToken(h.rt.db, h.clock, { kind: 'scim', serviceName: 'okta', scopes: ['scim'], label: 'okta provisioning' })).token;
    });
    after(async () => {
      await app.close();
      await h.close();
    });

    const scim = async (method: string, path: string, body?: unknown, opts: { token?: string | null; type?: string; raw?: string } = {}) => {
      const headers: Record<string, string> = {};
      const t = opts.token === undefined ? token : opts.token;
      if (t !== null) headers.authorization = `Bearer ${t}`;
      if (body !== undefined || opts.raw !== undefined) headers['content-type'] = opts.type ?? 'application/scim+json; charset=utf-8';
      const res = await fetch(`${base}/scim/v2${path}`, { method, headers, body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    };
    const records = async (action: string): Promise<AuditRecord[]> => {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = ${action} order by id`.execute(h.rt.store.db);
      return pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord);
    };
    const agentRow = (id: string) => h.rt.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const auditCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audit_pending`.execute(h.rt.store.db)).rows[0]!.n);
    const assertScimError = (r: { status: number; body: { schemas: string[]; status: string; scimType?: string } }, status: number, scimType?: string) => {
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.deepEqual(r.body.schemas, [ERROR]);
      assert.equal(r.body.status, String(status));
      if (scimType) assert.equal(r.body.scimType, scimType);
    };

    it('serves ServiceProviderConfig, Schemas and ResourceTypes', async () => {
      const spc = await scim('GET', '/ServiceProviderConfig');
      assert.equal(spc.status, 200);
      assert.equal(spc.headers.get('content-type')?.startsWith('application/scim+json'), true);
      assert.equal(spc.body.patch.supported, true);
      assert.equal(spc.body.filter.supported, true);
      assert.equal(spc.body.authenticationSchemes[0].type, 'oauthbearertoken');
      const schemas = await scim('GET', '/Schemas');
      assert.equal(schemas.status, 200);
      const ids = schemas.body.Resources.map((s: { id: string }) => s.id);
      assert.ok(ids.includes(USER) && ids.includes(GROUP) && ids.includes(ENTERPRISE), ids.join());
      const one = await scim('GET', `/Schemas/${USER}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.id, USER);
      const types = await scim('GET', '/ResourceTypes');
      assert.deepEqual(types.body.Resources.map((t: { name: string }) => t.name).sort(), ['Group', 'User']);
      assert.equal((await scim('GET', '/ResourceTypes/User')).body.endpoint, '/Users');
    });

    it('refuses a missing, unknown, revoked or agent token and a token without the scim scope', async () => {
      const before = await auditCount();
      assertScimError(await scim('GET', '/Users', undefined, { token: null }), 401);
      const bad = await scim('GET', '/Users', undefined, { token: 'kh_not-a-real-token-at-all' });
      assertScimError(bad, 401);
      assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer/);
      const agentToken = (await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: h.staff[0]!.id, label: 'x' })).token;
      assertScimError(await scim('POST', '/Users', { schemas: [USER], userName: 'x@example.com' }, { token: agentToken }), 401);
      const service = (await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'backend', scopes: ['customers:write'], label: 'x' })).token;
      assertScimError(await scim('GET', '/Users', undefined, { token: service }), 403);
      assert.equal(await auditCount(), before + 2, 'only the two token issues were recorded');
      assert.equal((await scim('GET', '/Users?filter=userName eq "x@example.com"')).body.totalResults, 0, 'nothing was created');
    });

    it("replays Okta's provisioning sequence: lookup, create, group push, update, deactivate", async () => {
      // Okta checks whether the user exists, then creates it.
      const lookup = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ada.lovelace@example.com"')}&startIndex=1&count=100`);
      assert.equal(lookup.status, 200);
      assert.deepEqual(lookup.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      assert.equal(lookup.body.totalResults, 0);
      const created = await scim('POST', '/Users', {
        schemas: [USER], userName: 'ada.lovelace@example.com', name: { givenName: 'Ada', familyName: 'Lovelace' },
        emails: [{ primary: true, value: 'ada.lovelace@example.com', type: 'work' }], displayName: 'Ada Lovelace', locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7', groups: [], password: '1mz050nq', active: true,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal(created.body.userName, 'ada.lovelace@example.com');
      assert.equal(created.body.active, true);
      assert.ok(!JSON.stringify(created.body).includes('1mz050nq'), 'the password is never stored or echoed');
      assert.match(created.headers.get('location') ?? '', new RegExp(`/scim/v2/Users/${id}$`));
      // Not in the Keyhole group yet: provisioned but without access.
      let a = await agentRow(id);
      assert.equal(a.status, 'suspended');
      assert.equal(a.role, 'agent');
      const found = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "Ada.Lovelace@example.com"')}&startIndex=1&count=100`);
      assert.equal(found.body.totalResults, 1, 'userName is case-insensitive');
      assert.equal(found.body.Resources[0].id, id);

      // Group push: create the groups, then add the member.
      const staff = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'keyhole-staff', members: [] });
      assert.equal(staff.status, 201, JSON.stringify(staff.body));
      const sup = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'keyhole-supervisors', members: [{ value: id, display: 'ada.lovelace@example.com' }] });
      assert.equal(sup.status, 201);
      const add = await scim('PATCH', `/Groups/${staff.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id, display: 'ada.lovelace@example.com' }] }] });
      assert.ok(add.status === 200 || add.status === 204, JSON.stringify(add.body));
      a = await agentRow(id);
      assert.equal(a.status, 'active', 'in the Keyhole group: access');
      assert.equal(a.role, 'supervisor');
      // Okta renames a group with a replace without path.
      const rename = await scim('PATCH', `/Groups/${sup.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: sup.body.id, displayName: 'keyhole-supervisors' } }] });
      assert.ok(rename.status === 200 || rename.status === 204, JSON.stringify(rename.body));
      const teamGroup = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'team-payments', members: [{ value: id }] });
      assert.equal(teamGroup.status, 201);
      a = await agentRow(id);
      assert.deepEqual([a.team, a.vendor, [...a.regions].sort().join()], ['payments', 'in-house', 'GB,IE']);

      // Okta updates profiles with PUT.
      const put = await scim('PUT', `/Users/${id}`, {
        schemas: [USER], id, userName: 'ada.lovelace@example.com', name: { givenName: 'Ada', familyName: 'King' },
        emails: [{ primary: true, value: 'ada.lovelace@example.com', type: 'work' }], active: true,
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal((await agentRow(id)).name, 'Ada King');
      const got = await scim('GET', `/Users/${id}`);
      assert.deepEqual(got.body.groups.map((g: { display: string }) => g.display).sort(), ['keyhole-staff', 'keyhole-supervisors', 'team-payments']);

      // Removal from the supervisors' group takes the role away.
      const rm = await scim('PATCH', `/Groups/${sup.body.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
      assert.ok(rm.status === 200 || rm.status === 204, JSON.stringify(rm.body));
      assert.equal((await agentRow(id)).role, 'agent');
      const updates = (await records('agent_update')).filter((r) => r.details.target === id);
      assert.ok(updates.some((r) => r.details.role === 'supervisor') && updates.at(-1)!.details.role === 'agent');

      // Okta deactivates with a replace of `active` without path.
      const cookie = await h.login(id);
      const deactivate = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
      assert.equal(deactivate.status, 200, JSON.stringify(deactivate.body));
      assert.equal(deactivate.body.active, false);
      assert.equal((await agentRow(id)).status, 'suspended');
      assert.equal((await app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode, 401, 'the session ended');
      const suspend = (await records('agent_suspend')).filter((r) => r.details.target === id).at(-1)!;
      assert.equal(suspend.agentId, null);
      assert.equal(suspend.details.by, 'idp');
      assert.equal(suspend.details.idp, 'okta');
      assert.equal(suspend.details.sessionsEnded, 1);
      assert.equal(suspend.reason, 'deactivated by the identity provider');
      // And re-activation by the provider restores the access the provider took.
      const reactivate = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
      assert.equal(reactivate.status, 200);
      assert.equal((await agentRow(id)).status, 'active');
    });

    it("replays Microsoft Entra ID's sequence: probe, create with the enterprise extension, PATCH, group members, delete", async () => {
      const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';
      const probe = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      assert.equal(probe.status, 200);
      assert.equal(probe.body.totalResults, 0);
      const body = {
        schemas: [USER, ENTERPRISE], externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', userName, active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
        meta: { resourceType: 'User' }, name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' }, roles: [],
        [ENTERPRISE]: { department: 'Support', employeeNumber: '1001' },
      };
      const created = await scim('POST', '/Users', body, { type: 'application/json' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal(created.body[ENTERPRISE].department, 'Support');
      assertScimError(await scim('POST', '/Users', body), 409, 'uniqueness');
      const byName = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      assert.equal(byName.body.totalResults, 1);
      assert.equal((await scim('GET', `/Users/${id}`)).body.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
      const patch = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Payments' },
      ] });
      assert.equal(patch.status, 200, JSON.stringify(patch.body));
      assert.equal(patch.body.emails[0].value, 'updatedEmail@microsoft.com');
      assert.equal(patch.body.name.familyName, 'updatedFamilyName');
      assert.equal((await agentRow(id)).email, 'updatedemail@microsoft.com');

      // Groups: probe by displayName without members, create, add and remove members as Entra sends them.
      const gProbe = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "region-dach"')}`);
      assert.equal(gProbe.body.totalResults, 0);
      const g = await scim('POST', '/Groups', { schemas: [GROUP], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'region-dach', meta: { resourceType: 'Group' } });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      const staff = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "keyhole-staff"')}`)).body.Resources[0];
      for (const gid of [g.body.id, staff.id]) {
        const add = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }] });
        assert.ok(add.status === 200 || add.status === 204, JSON.stringify(add.body));
      }
      let a = await agentRow(id);
      assert.equal(a.status, 'active');
      assert.deepEqual([...a.regions].sort(), ['AT', 'DE']);
      const listed = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "REGION-DACH"')}`);
      assert.equal(listed.body.totalResults, 1);
      assert.equal(listed.body.Resources[0].members, undefined);

      // Removal from the Keyhole group, as Entra sends it (path members and a value list): suspended at once.
      const tok = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: id, label: 'laptop' });
      const rm = await scim('PATCH', `/Groups/${staff.id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: id }] }] });
      assert.ok(rm.status === 200 || rm.status === 204, JSON.stringify(rm.body));
      a = await agentRow(id);
      assert.equal(a.status, 'suspended');
      assert.equal((await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${tok.token}` } })).statusCode, 401, 'its tokens were revoked');
      const rec = (await records('agent_suspend')).filter((r) => r.details.target === id).at(-1)!;
      assert.equal(rec.reason, 'removed from the Keyhole group');
      assert.equal(rec.details.tokensRevoked, 1);
      // Entra disables with "False" (a string, older behaviour) — still inactive, no error.
      const disable = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      assert.equal(disable.status, 200, JSON.stringify(disable.body));
      assert.equal(disable.body.active, false);

      const del = await scim('DELETE', `/Users/${id}`);
      assert.equal(del.status, 204);
      assertScimError(await scim('GET', `/Users/${id}`), 404);
      assert.equal((await agentRow(id)).status, 'suspended', 'the agent stays on record, suspended');
      assertScimError(await scim('DELETE', `/Users/${id}`), 404);
    });

    it('de-provisioning ends the live SSE stream and sessions at once (DELETE)', async () => {
      const created = await scim('POST', '/Users', { schemas: [USER], userName: 'grace@example.com', active: true, emails: [{ value: 'grace@example.com', primary: true }] });
      const id = created.body.id as string;
      const staff = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "keyhole-staff"')}`)).body.Resources[0];
      await scim('PATCH', `/Groups/${staff.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
      assert.equal((await agentRow(id)).status, 'active');
      const cookie = await h.login(id);
      const sse = await openSse(`${base}/v1/events`, { cookie });
      assert.equal(sse.status, 200);
      await sse.next((e) => e.event === 'agent_status');
      const t0 = Date.now();
      assert.equal((await scim('DELETE', `/Users/${id}`)).status, 204);
      const end = await sse.next((e) => e.event === 'end', 10_000);
      assert.deepEqual(end.data, { reason: 'suspended' });
      await sse.closed;
      const elapsed = Date.now() - t0;
      assert.equal((await app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode, 401);
      const rec = (await records('agent_suspend')).filter((r) => r.details.target === id).at(-1)!;
      assert.equal(rec.reason, 'deleted by the identity provider');
      assert.equal(rec.details.idp, 'okta');
      // Diagnostic only (no timing assertion on a loaded machine): the stream closes on the commit's event.
      if (elapsed > 1000) console.error(`note: SSE closed ${elapsed} ms after DELETE returned`);
    });

    it('serializes concurrent creates of one userName: one is created, the others get 409 uniqueness', async () => {
      const user = (u: string) => ({ schemas: [USER], userName: u, name: { givenName: 'Grace', familyName: 'Hopper' }, emails: [{ primary: true, value: 'grace.hopper@example.com' }], active: true });
      const results = await Promise.all(['grace.hopper@example.com', 'Grace.Hopper@example.com', 'GRACE.HOPPER@example.com'].map((u) => scim('POST', '/Users', user(u))));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409], JSON.stringify(results.map((r) => r.body)));
      for (const r of results.filter((x) => x.status === 409)) assertScimError(r, 409, 'uniqueness');
      const n = await sql<{ n: string }>`select count(*) as n from identity_users where lower(user_name) = 'grace.hopper@example.com'`.execute(h.rt.store.db);
      assert.equal(Number(n.rows[0]!.n), 1);
    });

    it('never lifts a suspension by the security team', async () => {
      const created = await scim('POST', '/Users', { schemas: [USER], userName: 'linus@example.com', active: true });
      const id = created.body.id as string;
      const staff = (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "keyhole-staff"')}`)).body.Resources[0];
      await scim('PATCH', `/Groups/${staff.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
      const security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const s = await app.inject({ method: 'POST', url: `/v1/agents/${id}/suspend`, headers: { cookie: security }, payload: { reason: 'investigation' } });
      assert.equal(s.statusCode, 200, s.body);
      await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
      await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
      assert.equal((await agentRow(id)).status, 'suspended');
    });

    it('refuses malformed filters, PATCH bodies and JSON with SCIM errors, changing nothing', async () => {
      const created = await scim('POST', '/Users', { schemas: [USER], userName: 'margaret@example.com', active: true });
      const id = created.body.id as string;
      const before = await auditCount();
      const snapshot = JSON.stringify((await scim('GET', `/Users/${id}`)).body);
      for (const filter of ['userName eq', 'userName xx "a"', '(userName eq "a"', 'userName eq "a" and', 'userName eq "unterminated']) {
        assertScimError(await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
      }
      assertScimError(await scim('GET', '/Users?count=abc'), 400);
      const bad: unknown[] = [
        { schemas: [PATCH] },
        { schemas: [PATCH], Operations: [] },
        { schemas: [PATCH], Operations: [{ op: 'explode', path: 'active', value: false }] },
        { schemas: [PATCH], Operations: [{ op: 'remove' }] },
        { schemas: [PATCH], Operations: [{ op: 'add', path: 'noSuchAttribute', value: 1 }] },
        { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] },
        { schemas: ['urn:wrong'], Operations: [{ op: 'replace', path: 'active', value: false }] },
        [{ op: 'replace', path: 'active', value: false }],
      ];
      for (const b of bad) {
        const r = await scim('PATCH', `/Users/${id}`, b);
        assert.equal(r.status, 400, `${JSON.stringify(b)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.deepEqual(r.body.schemas, [ERROR]);
      }
      assertScimError(await scim('PATCH', `/Users/${id}`, undefined, { raw: '{"Operations": [' }), 400);
      assertScimError(await scim('POST', '/Users', { schemas: [USER] }), 400);
      assertScimError(await scim('PATCH', '/Users/agt_doesnotexist', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }), 404);
      assertScimError(await scim('PATCH', '/Groups/grp_doesnotexist', { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }), 404);
      assertScimError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'ghosts', members: [{ value: 'agt_nobody' }] }), 400, 'invalidValue');
      assert.equal(JSON.stringify((await scim('GET', `/Users/${id}`)).body), snapshot);
      assert.equal((await agentRow(id)).status, 'suspended');
      assert.equal(await auditCount(), before, 'nothing was recorded or changed');
    });
  });
}
