// Shift rosters as real data (issue 15 item 3): parsed from CSV with line-numbered errors, set
// through the API by supervisors and security (never for oneself), recorded on the log, named
// when missing, and read by the off-shift detector on the real path: the same lookups alert an
// agent whose roster says they are off shift, and not one with no roster.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { fromShift, parseRosterCsv, toShift } from '../../src/detect/rosters.js';
import { importRosters } from '../../src/cli/rosters.js';
import { listAlerts } from '../../src/detect/queries.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';

describe('roster parsing', () => {
  it('round-trips every shift between the API form and the stored form (property)', () => {
    const days = fc.uniqueArray(fc.constantFrom('sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' as const), { minLength: 1, maxLength: 7 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 24 }), days, (h, m, hours, d) => {
      const start = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      const back = fromShift(toShift({ start, hours, days: d }));
      assert.equal(back.start, start);
      assert.equal(back.hours, hours);
      assert.deepEqual([...back.days].sort(), [...d].sort());
    }));
  });

  it('reads ranges across the weekend and names every bad line; nothing when any line is bad', () => {
    const ok = parseRosterCsv('agent,start,hours,days\nagt_001,07:00,9,mon-fri\nagt_002@x.example,22:30,8,fri-mon\n');
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(fromShift(ok.rows[0]!.shift), { start: '07:00', hours: 9, days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
    assert.deepEqual(fromShift(ok.rows[1]!.shift).days, ['sun', 'mon', 'fri', 'sat']);
    const bad = parseRosterCsv('agent,start,hours,days\nagt_001,25:00,9,mon\nagt_002,07:00,0,mon\nagt_003,07:00,8,funday\nagt_004,07:00,8,mon\nagt_004,08:00,8,tue\n');
    assert.deepEqual(bad.errors.map((e) => e.line), [2, 3, 4, 6]);
    assert.match(bad.errors[0]!.reason, /HH:MM/);
    assert.match(bad.errors[3]!.reason, /twice/);
    assert.throws(() => parseRosterCsv('who,when\nagt_001,07:00\n'), (e) => isKeyholeError(e, 'VALIDATION_FAILED'));
  });
});

for (const backend of DATABASES) {
  describe(`rosters on the real path (${backend.name})`, () => {
    let h: DetectHarness;
    before(async () => { h = await startDetectHarness(backend, { risk: { alert: 2, stepUp: 50, contain: 100 } }); });
    after(() => h.close());

    const agents = () => h.staff.filter((s) => s.role === 'agent');
    const put = (cookie: string, id: string, body: object) => h.app.inject({ method: 'PUT', url: `/v1/agents/${id}/roster`, headers: { cookie }, payload: body });
    const logged = async (action: string) => {
      await h.rt.integrator.drain();
      const r = await sql<{ entry: string }>`select entry from audit_log where action = ${action} order by seq`.execute(h.rt.store.db);
      return r.rows.map((x) => JSON.parse(x.entry) as AuditRecord);
    };

    it('lets supervisors and security set rosters, never agents or oneself, and records each change', async () => {
      const sup = h.staff.find((s) => s.role === 'supervisor')!;
      const supCookie = await h.login(sup.id);
      const agentCookie = await h.login(agents()[0]!.id);
      const shift = { start: '20:00', hours: 4, days: ['mon', 'tue', 'wed', 'thu', 'fri'] };
      const r = await put(supCookie, agents()[0]!.id, { shift, reason: 'night desk rota' });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().shift, shift);
      assert.equal((await put(agentCookie, agents()[1]!.id, { shift, reason: 'let me change it' })).statusCode, 403);
      assert.equal((await put(supCookie, sup.id, { shift, reason: 'my own hours' })).statusCode, 403);
      assert.equal((await put(supCookie, agents()[0]!.id, { shift: { start: '7am', hours: 4, days: ['mon'] }, reason: 'bad time' })).statusCode, 400);
      const list = await h.app.inject({ method: 'GET', url: '/v1/rosters', headers: { cookie: supCookie } });
      const row = list.json().rosters.find((x: { agentId: string }) => x.agentId === agents()[0]!.id);
      assert.deepEqual([row.shift, row.offShiftDetection], [shift, 'active']);
      const without = list.json().rosters.filter((x: { role: string; shift: unknown }) => x.role === 'agent' && x.shift === null);
      assert.ok(without.length > 0 && without.every((x: { offShiftDetection: string }) => x.offShiftDetection === 'no_roster'), 'agents without a roster are named');
      assert.equal(list.json().withoutRoster, without.length);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/rosters', headers: { cookie: agentCookie } })).statusCode, 403);
      const recs = (await logged('roster_update')).filter((x) => x.details.target === agents()[0]!.id);
      assert.deepEqual(recs.map((x) => [x.decision, x.agentId, x.details.before, x.details.after]), [['allow', sup.id, null, 'mon,tue,wed,thu,fri 20:00+4h']]);
      assert.ok((await logged('roster_update')).some((x) => x.decision === 'deny' && x.agentId === agents()[0]!.id), 'the refused change is on the log too');
    });

    it('alerts on lookups outside the rostered shift, and not for the same lookups with no roster', async () => {
      const [rostered, unrostered] = [agents()[0]!, agents().find((a, i) => i > 0 && a.regions.join() === agents()[0]!.regions.join()) ?? agents()[1]!];
      // agents()[0] works 20:00–24:00 UTC (set above); the clock says Monday 09:00 UTC.
      for (const a of [rostered, unrostered]) {
        const c = h.lookupable(a.id)[0]!;
        const t = await h.rt.broker.lookup(await h.ctx(a.id), { accountId: c.accountId }, { purpose: 'general_inquiry', channel: 'phone', subject: 'call' });
        await h.rt.broker.close(await h.ctx(a.id), t.id);
      }
      h.clock.advance(60_000);
      await h.detect();
      const offShift = async (id: string) => (await listAlerts(h.db, { agentId: id })).filter((al) => JSON.stringify(al.explanation).includes('off_shift'));
      assert.ok((await offShift(rostered.id)).length > 0, 'the rostered agent is off shift at 09:00');
      assert.deepEqual(await offShift(unrostered.id), [], 'no roster: the detector does not guess');
      const sec = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const risk = (await h.app.inject({ method: 'GET', url: `/v1/detect/agents/${rostered.id}/risk`, headers: { cookie: sec } })).json();
      const steps = risk.trajectory.filter((s: { detector: string }) => s.detector === 'off_shift');
      assert.ok(steps.length > 0 && steps.every((s: { summary: string; seqs: number[] }) => /outside the rostered shift/.test(s.summary) && s.seqs.length > 0), JSON.stringify(risk.trajectory));
      assert.ok(risk.trajectory.at(-1).risk >= risk.risk, 'the latest step is the score before decay to now');
    });

    it('imports a roster CSV all or nothing, by id or e-mail, with each change on the log', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-roster-'));
      try {
        const [a, b] = [agents()[2]!, agents()[3]!];
        const good = path.join(dir, 'good.csv');
        writeFileSync(good, `agent,start,hours,days\n${a.id},07:00,9,mon-fri\n${b.email},13:00,9,mon-fri\n`);
        const bad = path.join(dir, 'bad.csv');
        writeFileSync(bad, `agent,start,hours,days\n${a.id},09:00,9,mon-fri\nnobody,13:00,9,mon-fri\n`);
        await assert.rejects(importRosters(h.rt, bad, 'ops'), (e) => isKeyholeError(e, 'NOT_FOUND') && /line 3/.test(e.message));
        assert.deepEqual(await importRosters(h.rt, good, 'ops'), { changed: 2, unchanged: 0 });
        assert.deepEqual(await importRosters(h.rt, good, 'ops'), { changed: 0, unchanged: 2 });
        const recs = (await logged('roster_update')).filter((x) => x.details.actor === 'cli');
        assert.deepEqual(recs.map((x) => x.details.target).sort(), [a.id, b.id].sort());
        assert.ok(recs.every((x) => x.details.by === 'ops'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('risk trajectory', () => {
  it('reconstructs the score after each signal so that decaying the last one gives the current score (property)', async () => {
    const { riskTrajectory, decayed } = await import('../../src/detect/risk.js');
    const cfg = { alert: 10, stepUp: 16, contain: 24, halfLifeHours: 48 };
    const signal = fc.record({ dt: fc.integer({ min: 0, max: 3 * 86_400_000 }), points: fc.double({ min: 0.1, max: 8, noNaN: true }) });
    fc.assert(fc.property(fc.array(signal, { minLength: 1, maxLength: 16 }), fc.integer({ min: 0, max: 86_400_000 }), (sigs, tail) => {
      // Build the score forward as the engine does.
      let v = 0; let t = 0;
      const recent = sigs.map((s, i) => {
        t += s.dt;
        v = decayed(cfg as never, { v, at: t - s.dt, level: 0, stepUp: false, recent: [] }, t) + s.points;
        return { detector: 'volume_hour', agentId: 'a', t, seq: i, points: s.points, seqs: [i], figures: {}, baseline: {}, summary: `s${i}` } as const;
      });
      const now = t + tail;
      const r = { v: decayed(cfg as never, { v, at: t, level: 0, stepUp: false, recent: [] }, now), at: now, recent: recent as never };
      const steps = riskTrajectory(cfg as never, r);
      assert.equal(steps.length, sigs.length);
      assert.ok(Math.abs(steps.at(-1)!.risk - v) < 1e-2 * Math.max(1, v), `${steps.at(-1)!.risk} vs ${v}`);
      assert.deepEqual(steps.map((s) => s.summary), recent.map((s) => s.summary));
    }));
  });
});
