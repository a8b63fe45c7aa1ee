// Probes and start-up rules (issue 18 part 3), in process: /livez, /startupz, /readyz with the
// reason of each failing check, /healthz unchanged; a schema newer than this version refuses to
// start (PGlite, and PostgreSQL when configured); shutdown and demo settings from the environment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { demoSpecFromEnv } from '../../src/cli/seed-once.js';
import { buildApp } from '../../src/server/app.js';
import { Lifecycle } from '../../src/server/probes.js';
import { shutdownConfigFromEnv } from '../../src/server/shutdown.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { migrate } from '../../src/store/migrate.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('probes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(DATABASES[0]!);
  });
  after(async () => h.close());

  it('answers live, started and ready with every check, and /healthz as before', async () => {
    for (const [url, body] of [['/livez', { live: true }], ['/startupz', { started: true }], ['/healthz', { ok: true }]] as const) {
      const r = await h.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200, url);
      assert.deepEqual(r.json(), body);
    }
    const r = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(Object.keys(r.json().checks).sort(), ['database', 'keys', 'lifecycle', 'log', 'migrations']);
    assert.equal(r.json().ready, true);
  });

  it('is not ready, naming why, while the log fails, while starting and while shutting down', async () => {
    const life = new Lifecycle();
    const app = await buildApp(h.rt, { logger: false, console: false, lifecycle: life });
    try {
      const starting = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(starting.statusCode, 503);
      assert.equal(starting.json().reason, 'starting');
      assert.equal((await app.inject({ method: 'GET', url: '/startupz' })).statusCode, 503);
      life.started();
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      h.rt.logHealth.failed('start-up check: test');
      const failing = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(failing.statusCode, 503);
      assert.match(failing.json().reason, /audit log failed: start-up check: test/);
      assert.equal(failing.json().checks.database.ok, true);
      assert.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200, 'still alive');
      life.drain();
      const draining = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(draining.json().checks.lifecycle.reason, 'shutting down');
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).headers.connection, 'close');
    } finally {
      await app.close();
    }
  });
});

for (const backend of DATABASES) {
  describe(`schema version on ${backend.name}`, () => {
    it('refuses a database migrated by a newer Keyhole', async () => {
      const { store, cleanup } = await backend.open();
      try {
        await sql`insert into schema_migrations (name, checksum) values ('9999_from_the_future.sql', ${'0'.repeat(64)})`.execute(store.db);
        await assert.rejects(migrate(store.db), (e) => isKeyholeError(e, 'SCHEMA_TOO_NEW') && /9999_from_the_future/.test(e.message));
      } finally {
        await cleanup();
      }
    });
  });
}

describe('shutdown and demo settings', () => {
  it('reads the grace and delay, and refuses nonsense', () => {
    assert.deepEqual(shutdownConfigFromEnv({}), { graceS: 10, delayS: 0 });
    assert.deepEqual(shutdownConfigFromEnv({ KEYHOLE_SHUTDOWN_GRACE_S: '30', KEYHOLE_SHUTDOWN_DELAY_S: '5' }), { graceS: 30, delayS: 5 });
    for (const env of [{ KEYHOLE_SHUTDOWN_GRACE_S: '0' }, { KEYHOLE_SHUTDOWN_GRACE_S: 'x' }, { KEYHOLE_SHUTDOWN_DELAY_S: '10' }]) {
      assert.throws(() => shutdownConfigFromEnv(env), (e) => isKeyholeError(e, 'CONFIG_INVALID'));
    }
    assert.equal(demoSpecFromEnv({ KEYHOLE_DEMO_CUSTOMERS: '30' }).customers, 30);
    assert.throws(() => demoSpecFromEnv({ KEYHOLE_DEMO_CUSTOMERS: '0' }), (e) => isKeyholeError(e, 'CONFIG_INVALID'));
  });
});
