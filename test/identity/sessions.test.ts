// Staff sessions at their edges (issue 20, mutation testing of the identity group): what
// createSession stores (a hash, never the secret) and records (session_start with the code, the
// method, the end and the client's fingerprints); the lifetime cap; the last live millisecond of
// sessionInfo and agentForSession; ended, unknown and suspended; endSession's scope; and the
// session code on screen (sessionCode, sessionCodeOf from a cookie or a bearer token).
// On a bare migrated store, and one Fastify instance for the request-side code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { sql } from 'kysely';
import type { BrokerDb } from '../../src/access/model.js';
import { sessionCode, sessionCodeOf } from '../../src/identity/session-code.js';
import { agentForSession, createSession, endSession, secretHash, sessionInfo, SESSION_TTL_MS } from '../../src/identity/sessions.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { FixedClock } from '../../src/shared/clock.js';
import { DATABASES } from '../support/databases.js';

const HOUR = 3_600_000;

describe('session codes', () => {
  it('are the first four bytes of SHA-256 of the secret, upper-case hex, as XXXX-XXXX', () => {
    const hex = createHash('sha256').update('abc').digest('hex'); // ba7816bf…
    assert.equal(sessionCode('abc'), 'BA78-16BF');
    assert.equal(sessionCode('abc'), `${hex.slice(0, 4)}-${hex.slice(4, 8)}`.toUpperCase());
    assert.notEqual(sessionCode('abd'), sessionCode('abc'));
    assert.equal(secretHash('abc').toString('hex'), hex);
  });

  it('of a request: the cookie session, API- and four digits for a bearer token, empty for neither', async () => {
    const app = Fastify();
    await app.register(cookie);
    app.get('/code', async (req) => ({ code: sessionCodeOf(req) }));
    try {
      const code = async (headers: Record<string, string>) => (await app.inject({ method: 'GET', url: '/code', headers })).json<{ code: string }>().code;
      assert.equal(await code({ cookie: 'kh_session=abc' }), 'BA78-16BF');
      assert.equal(await code({ authorization: 'Bearer abc' }), 'API-BA78');
      assert.equal(await code({ authorization: 'Bearer abc', cookie: 'kh_session=xyz' }), 'API-BA78', 'a bearer token is the credential when both come');
      assert.equal(await code({}), '');
      assert.equal(await code({ authorization: 'Basic abc' }), '', 'only a bearer token counts');
      assert.equal(await code({ authorization: 'NotBearer abc' }), '', 'the scheme starts the header');
      assert.equal(await code({ cookie: 'other=abc' }), '');
    } finally {
      await app.close();
    }
  });
});

// PostgreSQL first when set: a mutation run stops a file at its first failure.
for (const backend of [...DATABASES].reverse()) {
  describe(`staff sessions (${backend.name})`, () => {
    let db: BrokerDb;
    let cleanup: () => Promise<void>;
    const clock = new FixedClock(Date.UTC(2026, 5, 1, 9));
    before(async () => {
      const opened = await backend.open();
      db = opened.store.db as BrokerDb;
      cleanup = opened.cleanup;
      await db.insertInto('agents').values(['agt_live', 'agt_gone'].map((id) => ({
        id, name: id, email: `${id}@example.com`, role: 'agent' as const, team: 'front', vendor: 'in-house', regions: ['EU'], status: 'active' as const, created_at: clock.now(), suspended_at: null,
      }))).execute();
    });
    after(() => cleanup());

    const starts = async (code: string): Promise<AuditRecord[]> => {
      const rows = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = 'session_start' order by id`.execute(db);
      return rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord).filter((r) => r.details.session === code);
    };

    it('stores only the hash and records session_start with the code, method, end and client', async () => {
      const secret = await createSession(db, clock, 'agt_live', { client: { net: 'n1', dev: 'd1' } });
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      const rows = await db.selectFrom('agent_sessions').selectAll().where('agent_id', '=', 'agt_live').execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(Buffer.from(rows[0]!.id_hash), secretHash(secret));
      assert.ok(!JSON.stringify(rows).includes(secret), 'the secret itself is not stored');
      const [rec, ...more] = await starts(sessionCode(secret));
      assert.equal(more.length, 0);
      assert.equal(rec?.agentId, 'agt_live');
      assert.equal(rec?.decision, 'allow');
      assert.deepEqual(rec?.details, { session: sessionCode(secret), via: 'demo', expiresAt: new Date(clock.now().getTime() + SESSION_TTL_MS).toISOString(), net: 'n1', dev: 'd1' });
      assert.ok(!JSON.stringify(rec).includes(secret), 'nor logged');
      assert.deepEqual([rec?.fields, rec?.policyIds, rec?.customerId, rec?.ticketId, rec?.reason], [{}, [], null, null, null]);
      const info = await sessionInfo(db, clock, secret);
      assert.deepEqual([info?.authMethod, info?.authTime, info?.oidcIssuer], ['demo', null, null], 'a demo session has no sign-in time or issuer');
      const bare = await createSession(db, clock, 'agt_live');
      const [r2] = await starts(sessionCode(bare));
      assert.equal('net' in (r2?.details ?? {}) || 'dev' in (r2?.details ?? {}), false, 'no client, no fingerprints');
    });

    it('lives 12 hours at most: an earlier end is kept, a later one is capped', async () => {
      const now = clock.now().getTime();
      const short = await createSession(db, clock, 'agt_live', { expiresAt: new Date(now + HOUR) });
      assert.equal((await sessionInfo(db, clock, short))?.expiresAt.getTime(), now + HOUR);
      const long = await createSession(db, clock, 'agt_live', { expiresAt: new Date(now + 48 * HOUR) });
      assert.equal((await sessionInfo(db, clock, long))?.expiresAt.getTime(), now + SESSION_TTL_MS);
    });

    it('is live until its last millisecond, for sessionInfo and agentForSession alike', async () => {
      const secret = await createSession(db, clock, 'agt_live', { authMethod: 'oidc', authTime: new Date(clock.now().getTime() - 60_000), oidcIssuer: 'https://idp.example' });
      const last = new FixedClock(clock.now().getTime() + SESSION_TTL_MS - 1);
      assert.deepEqual(await sessionInfo(db, last, secret), {
        agentId: 'agt_live', authMethod: 'oidc', authTime: new Date(clock.now().getTime() - 60_000), oidcIssuer: 'https://idp.example', expiresAt: new Date(clock.now().getTime() + SESSION_TTL_MS),
      });
      assert.equal((await agentForSession(db, last, secret))?.id, 'agt_live');
      last.advance(1);
      assert.equal(await sessionInfo(db, last, secret), undefined);
      assert.equal(await agentForSession(db, last, secret), undefined);
      const [rec] = await starts(sessionCode(secret));
      assert.equal(rec?.details.via, 'oidc');
    });

    it('returns the whole active agent; nothing for an unknown secret', async () => {
      const secret = await createSession(db, clock, 'agt_live');
      assert.deepEqual(await agentForSession(db, clock, secret), {
        id: 'agt_live', name: 'agt_live', email: 'agt_live@example.com', role: 'agent', team: 'front', vendor: 'in-house', regions: ['EU'], status: 'active',
      });
      assert.equal(await agentForSession(db, clock, `${secret}x`), undefined);
      assert.equal(await sessionInfo(db, clock, `${secret}x`), undefined);
    });

    it('ends only the session named, idempotently', async () => {
      const a = await createSession(db, clock, 'agt_live');
      const b = await createSession(db, clock, 'agt_live');
      await endSession(db, clock, a);
      assert.equal(await agentForSession(db, clock, a), undefined);
      assert.equal(await sessionInfo(db, clock, a), undefined);
      assert.equal((await agentForSession(db, clock, b))?.id, 'agt_live', 'the other session lives on');
      const later = new FixedClock(clock.now().getTime() + HOUR);
      await endSession(db, later, a);
      const row = await db.selectFrom('agent_sessions').select('ended_at').where('id_hash', '=', secretHash(a)).executeTakeFirstOrThrow();
      assert.equal(row.ended_at?.getTime(), clock.now().getTime(), 'ending again keeps the first end');
    });

    it('gives no agent for a suspended agent even while the session row is live', async () => {
      const secret = await createSession(db, clock, 'agt_gone');
      assert.equal((await agentForSession(db, clock, secret))?.id, 'agt_gone');
      await db.updateTable('agents').set({ status: 'suspended', suspended_at: clock.now() }).where('id', '=', 'agt_gone').execute();
      assert.equal(await agentForSession(db, clock, secret), undefined);
      assert.equal((await sessionInfo(db, clock, secret))?.agentId, 'agt_gone', 'the row itself was not ended');
    });
  });
}
