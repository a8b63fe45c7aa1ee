// Service and SCIM tokens at their edges (issue 20, mutation testing of the identity group): the
// default lifetime per kind, lifetimes refused (zero, negative, NaN, infinite) or unlimited
// (null), service names refused at each rule, scopes stored once, listTokens' kind filter and
// limit, getToken, and the audit records of issuing and revoking (actor, target, no secret).
// On a bare migrated store: no server, no harness.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { BrokerDb } from '../../src/access/model.js';
import { AGENT_TOKEN_TTL_MS, agentForToken, createApiToken, getToken, issueToken, listTokens, revokeToken, serviceForToken, SERVICE_TOKEN_TTL_MS } from '../../src/identity/tokens.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { FixedClock } from '../../src/shared/clock.js';
import { DATABASES } from '../support/databases.js';

// PostgreSQL first when set: a mutation run stops a file at its first failure.
for (const backend of [...DATABASES].reverse()) {
  describe(`service tokens at their edges (${backend.name})`, () => {
    let db: BrokerDb;
    let cleanup: () => Promise<void>;
    const clock = new FixedClock();
    before(async () => {
      const opened = await backend.open();
      db = opened.store.db as BrokerDb;
      cleanup = opened.cleanup;
    });
    after(() => cleanup());

    const scim = (extra: { serviceName?: string; scopes?: readonly ('scim' | 'audit:read')[]; ttlMs?: number | null; label?: string; createdBy?: string } = {}) =>
      issueToken(db, clock, { kind: 'scim', serviceName: extra.serviceName ?? 'okta', scopes: extra.scopes ?? ['scim'], label: extra.label ?? 't', ...('ttlMs' in extra ? { ttlMs: extra.ttlMs } : {}), ...(extra.createdBy ? { createdBy: extra.createdBy } : {}) });
    const records = async (action: string, tokenId: string): Promise<AuditRecord[]> => {
      const rows = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = ${action} order by id`.execute(db);
      return rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord).filter((r) => r.details.tokenId === tokenId);
    };

    it('a service or SCIM token lives 365 days by default, live until its last millisecond', async () => {
      const t = await scim();
      assert.match(t.token, /^kh_[A-Za-z0-9_-]{43}$/);
      assert.equal(t.expiresAt?.getTime(), clock.now().getTime() + SERVICE_TOKEN_TTL_MS);
      const late = new FixedClock(clock.now().getTime() + SERVICE_TOKEN_TTL_MS - 1);
      assert.equal((await serviceForToken(db, late, t.token))?.tokenId, t.id);
      late.advance(1);
      assert.equal(await serviceForToken(db, late, t.token), undefined);
    });

    it('refuses a lifetime that is not a positive duration; null means no expiry', async () => {
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(scim({ ttlMs }), { code: 'BAD_REQUEST' }, `ttlMs ${ttlMs}`);
      }
      const short = await scim({ ttlMs: 1 });
      assert.equal(short.expiresAt?.getTime(), clock.now().getTime() + 1);
      const forever = await scim({ ttlMs: null });
      assert.equal(forever.expiresAt, null);
      const century = new FixedClock(clock.now().getTime() + 100 * SERVICE_TOKEN_TTL_MS);
      assert.equal((await serviceForToken(db, century, forever.token))?.tokenId, forever.id);
      assert.equal((await getToken(db, forever.id))?.expiresAt, null);
    });

    it('refuses service names outside 1–63 lower-case letters, digits, dots, dashes or underscores', async () => {
      for (const serviceName of ['', 'Okta', '-okta', '.okta', 'okta!', ' okta', 'okta ', 'ok/ta', 'a'.repeat(64)]) {
        await assert.rejects(scim({ serviceName }), { code: 'BAD_REQUEST' }, JSON.stringify(serviceName));
      }
      for (const serviceName of ['0', 'a'.repeat(63), 'okta.prod_1-x']) {
        const t = await scim({ serviceName });
        assert.equal((await serviceForToken(db, clock, t.token))?.name, serviceName);
      }
    });

    it('stores each scope once and only the scopes given', async () => {
      const t = await issueToken(db, clock, { kind: 'service', serviceName: 'siem', scopes: ['audit:read', 'audit:read', 'tickets:write'], label: 't' });
      const p = await serviceForToken(db, clock, t.token);
      assert.deepEqual(p, { tokenId: t.id, kind: 'service', name: 'siem', scopes: ['audit:read', 'tickets:write'] });
      await assert.rejects(issueToken(db, clock, { kind: 'service', serviceName: 'siem', scopes: ['audit:read', 'admin' as never], label: 't' }), { code: 'BAD_REQUEST' });
    });

    it('lists by kind, newest first, at most `limit`, and reads one token', async () => {
      const older = await issueToken(db, clock, { kind: 'service', serviceName: 'lister', scopes: ['tickets:write'], label: 'older' });
      clock.advance(1000);
      const newer = await issueToken(db, clock, { kind: 'service', serviceName: 'lister', scopes: ['tickets:write'], label: 'newer' });
      const services = await listTokens(db, { kind: 'service' });
      assert.ok(services.every((t) => t.kind === 'service'), 'only service tokens');
      assert.deepEqual(services.filter((t) => t.serviceName === 'lister').map((t) => t.id), [newer.id, older.id]);
      assert.ok((await listTokens(db, { kind: 'scim' })).every((t) => t.kind === 'scim'));
      assert.deepEqual((await listTokens(db, { kind: 'service', limit: 1 })).map((t) => t.id), [newer.id]);
      const one = await getToken(db, older.id);
      assert.deepEqual({ ...one, createdAt: one?.createdAt.getTime() }, {
        id: older.id, kind: 'service', agentId: null, serviceName: 'lister', scopes: ['tickets:write'], label: 'older',
        createdAt: clock.now().getTime() - 1000, expiresAt: older.expiresAt, createdBy: null, revokedAt: null, revokedBy: null,
      });
      assert.equal(await getToken(db, 'tok_none'), undefined);
    });

    it('records issuing and revoking with the actor and target, never the secret', async () => {
      const t = await scim({ serviceName: 'entra', createdBy: 'cli' });
      const [created] = await records('token_create', t.id);
      assert.ok(created, 'token_create recorded');
      assert.equal(created.agentId, null);
      assert.equal(created.reason, null);
      assert.deepEqual(created.details, { tokenId: t.id, kind: 'scim', target: 'entra', scopes: ['scim'], expiresAt: t.expiresAt?.toISOString(), actor: 'cli' });
      assert.equal((await getToken(db, t.id))?.createdBy, 'cli');
      clock.advance(5);
      assert.equal(await revokeToken(db, clock, t.id, 'ops', 'rotated'), true);
      const [revoked] = await records('token_revoke', t.id);
      assert.ok(revoked, 'token_revoke recorded');
      assert.equal(revoked.reason, 'rotated');
      assert.equal(revoked.time, clock.now().toISOString());
      assert.deepEqual(revoked.details, { tokenId: t.id, kind: 'scim', target: 'entra', revokedBy: 'ops', actor: 'system' });
      const info = await getToken(db, t.id);
      assert.equal(info?.revokedBy, 'ops');
      assert.equal(info?.revokedAt?.getTime(), clock.now().getTime());
      assert.equal(await serviceForToken(db, clock, t.token), undefined);
      const byCli = await scim({ serviceName: 'entra' });
      assert.equal(await revokeToken(db, clock, byCli.id, 'cli', 'rotated'), true);
      assert.equal((await records('token_revoke', byCli.id))[0]?.details.actor, 'cli');
      for (const r of [created, revoked]) assert.ok(!JSON.stringify(r).includes(t.token));
      for (const r of [created, revoked]) assert.deepEqual([r.decision, r.fields, r.policyIds, r.customerId, r.ticketId], ['allow', {}, [], null, null]);
    });

    it("an agent's API token (createApiToken) lives 30 days, carries no scopes, and acts as its active agent", async () => {
      assert.equal(AGENT_TOKEN_TTL_MS, 30 * 86_400_000, 'the documented 30 days');
      assert.equal(SERVICE_TOKEN_TTL_MS, 365 * 86_400_000, 'the documented 365 days');
      await db.insertInto('agents').values({
        id: 'agt_tok', name: 'agt_tok', email: 'agt_tok@example.com', role: 'agent', team: 'front', vendor: 'in-house', regions: ['GB'], status: 'active', created_at: clock.now(), suspended_at: null,
      }).execute();
      const token = await createApiToken(db, clock, 'agt_tok', 'laptop');
      assert.match(token, /^kh_[A-Za-z0-9_-]{43}$/);
      const [info] = await listTokens(db, { agentId: 'agt_tok' });
      assert.deepEqual([info?.kind, info?.agentId, info?.serviceName, info?.scopes, info?.label], ['agent', 'agt_tok', null, [], 'laptop']);
      assert.equal(info?.expiresAt?.getTime(), clock.now().getTime() + AGENT_TOKEN_TTL_MS);
      const last = new FixedClock(clock.now().getTime() + AGENT_TOKEN_TTL_MS - 1);
      assert.equal((await agentForToken(db, last, token))?.id, 'agt_tok');
      assert.equal(await serviceForToken(db, last, token), undefined, 'an agent token is not a service');
      last.advance(1);
      assert.equal(await agentForToken(db, last, token), undefined);
      const [created] = await records('token_create', info?.id ?? '');
      assert.deepEqual(created?.details.scopes, []);
    });
  });
}
