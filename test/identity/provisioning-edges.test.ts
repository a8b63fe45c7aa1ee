// Provisioning at its edges (issue 20, mutation testing of the identity group): reconcileAgent
// records agent_update exactly when role, team, vendor or the set of regions changed (stored
// regions in another order are no change); it suspends on each loss of access with its reason,
// a repeated loss changes nothing, and only a suspension the provider caused is lifted by
// regained access — never one by the security team, never a stale flag on an active agent;
// an agent the provider does not manage is left alone; and what it publishes after commit is
// exactly the records it wrote and the status changes. On a bare migrated store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { BrokerEvents, type BrokerEvent } from '../../src/access/events.js';
import type { BrokerDb } from '../../src/access/model.js';
import { parseMapping } from '../../src/identity/mapping.js';
import { provisioningTransaction, reconcileAgent, type IdpActor, type ProvisioningDeps } from '../../src/identity/provisioning.js';
import type { IdentityDb } from '../../src/identity/tables.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { FixedClock } from '../../src/shared/clock.js';
import { DATABASES } from '../support/databases.js';

const mapping = parseMapping(JSON.stringify({
  requiredGroup: 'keyhole',
  groups: { sec: { role: 'security' }, pay: { team: 'payments', vendor: 'acme', regions: ['GB', 'DE'] } },
}));
const actor: IdpActor = { idp: 'okta', requestId: 'req_idp', via: 'scim' };

interface Managed {
  groups?: string[];
  role?: 'agent' | 'supervisor' | 'security';
  team?: string;
  vendor?: string;
  regions?: string[];
  status?: 'active' | 'suspended';
  idpActive?: boolean;
  idpSuspended?: boolean;
  deleted?: boolean;
  managed?: boolean;
}

// PostgreSQL first when set: a mutation run stops a file at its first failure.
for (const backend of [...DATABASES].reverse()) {
  describe(`provisioning at its edges (${backend.name})`, () => {
    let db: IdentityDb;
    let cleanup: () => Promise<void>;
    const clock = new FixedClock(Date.UTC(2026, 5, 1, 9));
    const events = new BrokerEvents();
    const seen: BrokerEvent[] = [];
    events.subscribe((e) => seen.push(e));
    let deps: ProvisioningDeps;
    before(async () => {
      const opened = await backend.open();
      db = opened.store.db as unknown as IdentityDb;
      cleanup = opened.cleanup;
      deps = { db, clock, events, mapping };
    });
    after(() => cleanup());

    /** An agent as the provider left it: in `groups` (keyhole and pay by default), as `o` says. */
    const agent = async (id: string, o: Managed = {}) => {
      const now = clock.now();
      await (db as unknown as BrokerDb).insertInto('agents').values({
        id, name: id, email: `${id}@example.com`, role: o.role ?? 'agent', team: o.team ?? 'payments', vendor: o.vendor ?? 'acme', regions: o.regions ?? ['GB', 'DE'],
        status: o.status ?? 'active', created_at: now, suspended_at: o.status === 'suspended' ? now : null,
      }).execute();
      if (o.managed === false) return;
      await db.insertInto('identity_users').values({
        agent_id: id, user_name: id, external_id: null, idp_active: o.idpActive ?? true, idp_suspended: o.idpSuspended ?? false, attributes: '{}',
        created_at: now, updated_at: now, deleted_at: o.deleted ? now : null,
      }).execute();
      for (const g of o.groups ?? ['keyhole', 'pay']) {
        await db.insertInto('identity_groups').values({ id: `grp_${g}`, display_name: g, external_id: null, created_at: now, updated_at: now }).onConflict((oc) => oc.doNothing()).execute();
        await db.insertInto('identity_group_members').values({ group_id: `grp_${g}`, agent_id: id }).execute();
      }
    };
    const records = async (id: string): Promise<AuditRecord[]> => {
      const rows = await sql<{ entry: unknown }>`select entry from audit_pending order by id`.execute(db);
      return rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord).filter((r) => r.details.target === id);
    };
    /** Reconciles `id`; returns the records it wrote and what it published. */
    const reconcile = async (id: string) => {
      const before = (await records(id)).length;
      seen.length = 0;
      await provisioningTransaction(deps, (trx, out) => reconcileAgent(trx, deps, actor, id, out));
      const wrote = (await records(id)).slice(before);
      return { wrote, published: [...seen] };
    };
    const state = async (id: string) => {
      const a = await (db as unknown as BrokerDb).selectFrom('agents').select(['role', 'team', 'vendor', 'regions', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
      const u = await db.selectFrom('identity_users').select('idp_suspended').where('agent_id', '=', id).executeTakeFirst();
      return { ...a, idpSuspended: u?.idp_suspended };
    };

    it('records nothing when nothing changed, even with the stored regions in another order', async () => {
      await agent('agt_same', { regions: ['GB', 'DE'] });
      assert.deepEqual(await reconcile('agt_same'), { wrote: [], published: [] });
    });

    it('records agent_update when only the team, only the vendor, only the regions or only the role changed', async () => {
      const cases: Array<[string, Managed]> = [['agt_team', { team: 'other' }], ['agt_vendor', { vendor: 'globex' }], ['agt_regions', { regions: ['GB'] }], ['agt_role', { groups: ['keyhole', 'pay', 'sec'] }]];
      for (const [id, o] of cases) {
        await agent(id, o);
        const { wrote, published } = await reconcile(id);
        assert.equal(wrote.length, 1, id);
        const [r] = wrote as [AuditRecord];
        assert.deepEqual({ ...r, time: undefined }, {
          v: 1, time: undefined, requestId: 'req_idp', action: 'agent_update', agentId: null, customerId: null, ticketId: null, decision: 'allow', fields: {}, policyIds: [],
          reason: 'group membership changed',
          details: { target: id, role: id === 'agt_role' ? 'security' : 'agent', team: 'payments', vendor: 'acme', regions: ['DE', 'GB'], previousRole: 'agent', by: 'idp', idp: 'okta', via: 'scim' },
        }, id);
        assert.deepEqual(published, [{ type: 'audit', record: r }], `${id}: the record, published after commit`);
        const s = await state(id);
        assert.deepEqual([s.role, s.team, s.vendor, [...s.regions].sort()], [id === 'agt_role' ? 'security' : 'agent', 'payments', 'acme', ['DE', 'GB']]);
      }
    });

    it('suspends on each loss of access with its reason; a repeated loss changes nothing; regained access lifts it', async () => {
      const losses: Array<[string, Managed, string]> = [
        ['agt_off', { idpActive: false }, 'deactivated by the identity provider'],
        ['agt_deleted', { deleted: true }, 'deleted by the identity provider'],
        ['agt_ungrouped', { groups: ['pay'] }, 'removed from the Keyhole group'],
      ];
      for (const [id, o, reason] of losses) {
        await agent(id, o);
        const { wrote, published } = await reconcile(id);
        const suspend = wrote.find((r) => r.action === 'agent_suspend');
        assert.equal(suspend?.reason, reason, id);
        assert.deepEqual(suspend?.details, { target: id, grantsRevoked: 0, sessionsEnded: 0, tokensRevoked: 0, by: 'idp', idp: 'okta', via: 'scim' });
        assert.deepEqual(published.filter((e) => e.type === 'agent_status'), [{ type: 'agent_status', agentId: id, status: 'suspended' }]);
        assert.deepEqual([(await state(id)).status, (await state(id)).idpSuspended], ['suspended', true]);
        assert.deepEqual(await reconcile(id), { wrote: [], published: [] }, `${id}: still without access, nothing more`);
      }
      await db.updateTable('identity_users').set({ idp_active: true }).where('agent_id', '=', 'agt_off').execute();
      const { wrote, published } = await reconcile('agt_off');
      assert.deepEqual(wrote.map((r) => [r.action, r.reason, r.details]), [['agent_reinstate', 'access granted by the identity provider', { target: 'agt_off', by: 'idp', idp: 'okta', via: 'scim' }]]);
      assert.deepEqual(published.filter((e) => e.type === 'agent_status'), [{ type: 'agent_status', agentId: 'agt_off', status: 'active' }]);
      assert.deepEqual([(await state('agt_off')).status, (await state('agt_off')).idpSuspended], ['active', false]);
    });

    it('never lifts a suspension it did not cause, nor acts on a stale flag of an active agent', async () => {
      await agent('agt_security_held', { status: 'suspended', idpSuspended: false });
      assert.deepEqual(await reconcile('agt_security_held'), { wrote: [], published: [] });
      assert.equal((await state('agt_security_held')).status, 'suspended');
      await agent('agt_stale', { status: 'active', idpSuspended: true });
      assert.deepEqual(await reconcile('agt_stale'), { wrote: [], published: [] });
    });

    it('leaves an agent the provider does not manage alone', async () => {
      await agent('agt_local', { managed: false, team: 'local', regions: [] });
      assert.deepEqual(await reconcile('agt_local'), { wrote: [], published: [] });
      assert.equal((await state('agt_local')).team, 'local');
    });
  });
}
