// A frozen leader (issue 18 part 2): two `keyhole serve` processes on one PostgreSQL under a
// load of views; the log's leader is stopped with SIGSTOP; the follower takes the lease and
// integrates within 10 s while views keep being answered; the old leader is resumed with
// SIGCONT, learns it no longer leads and cannot append; `keyhole verify` passes and every
// acknowledged view is in the log exactly once. `keyhole status` names the leader throughout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ClusterStatus } from '../../src/cli/status.js';
import { Instance, seededDatabase, type ClusterDb } from './support/instances.js';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a frozen leader loses the role and cannot fork the log', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset' }, () => {
  let db: ClusterDb;
  let nodes: Instance[];
  let client: pg.Client;

  before(async () => {
    db = await seededDatabase(adminUrl!);
    nodes = ['a', 'b'].map((t) => new Instance(t, db));
    await Promise.all(nodes.map((n) => n.ready()));
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await client.end();
    await db.drop();
  });

  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: db.url, KEYHOLE_MASTER_KEY: db.masterKey, KEYHOLE_DATA_DIR: db.dataDir }, encoding: 'utf8', timeout: 120_000,
  });
  const status = (): ClusterStatus => {
    const r = cli('status', '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ClusterStatus;
  };
  const holderPid = (s: ClusterStatus) => Number(/-(\d+)-[0-9a-f]{6}$/.exec(s.leader?.instance ?? '')?.[1]);

  it('takes over within 10 s of a SIGSTOP under load; SIGCONT, verify passes, no acknowledged view is missing', { timeout: 240_000 }, async () => {
    // wait for a leader
    let st = status();
    for (let i = 0; i < 100 && !(st.leader?.valid && nodes.some((n) => n.proc.pid === holderPid(st))); i++) {
      await sleep(200);
      st = status();
    }
    const leader = nodes.find((n) => n.proc.pid === holderPid(st))!;
    assert.ok(leader, `a leader among the instances: ${JSON.stringify(st)}`);
    const follower = nodes.find((n) => n !== leader)!;
    await follower.until(() => true);

    const tickets = (await client.query<{ id: string; assignee_id: string }>(`select id, assignee_id from tickets where status = 'open' order by id limit 10`)).rows;
    const cookies = new Map<string, string>();
    for (const t of tickets) if (!cookies.has(t.assignee_id)) cookies.set(t.assignee_id, await follower.login(t.assignee_id));
    const acked: string[] = [];
    const codes = new Map<number, number>();
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const t = tickets[i % tickets.length]!;
        const r = await fetch(`${follower.base}/v1/tickets/${t.id}/customer`, { headers: { cookie: cookies.get(t.assignee_id)! } });
        await r.arrayBuffer();
        codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
        if (r.status === 200) acked.push(r.headers.get('x-request-id')!);
        await sleep(20);
      }
    })();
    await sleep(2000);

    leader.proc.kill('SIGSTOP');
    const t0 = Date.now();
    let took = -1;
    while (Date.now() - t0 < 30_000) {
      const r = await client.query<{ holder: string | null; valid: boolean }>('select holder, expires_at > clock_timestamp() as valid from cluster_leader');
      if (r.rows[0]!.valid && r.rows[0]!.holder?.includes(`-${follower.proc.pid}-`)) {
        took = Date.now() - t0;
        break;
      }
      await sleep(100);
    }
    assert.ok(took >= 0, 'the follower took over');
    assert.ok(took < 10_000, `took over within 10 s (${took} ms)`);
    // the new leader integrates while the old one is frozen
    assert.equal(holderPid(status()), follower.proc.pid, 'keyhole status names the new leader');
    const before = status().checkpoint!.size;
    await sleep(3000);
    assert.ok(status().checkpoint!.size > before, 'checkpoints advance behind the new leader');
    await sleep(4000); // the old leader stays frozen past its lease

    leader.proc.kill('SIGCONT');
    await sleep(3000);
    loading = false;
    await load;
    await follower.until(() => follower.lines.some((l) => l.includes('"event":"log_leadership"') && l.includes('"leader":true')));
    await leader.until(() => leader.lines.filter((l) => l.includes('"event":"log_leadership"')).at(-1)?.includes('"leader":false') === true, 30_000);
    assert.equal(holderPid(status()), follower.proc.pid, 'the resumed instance did not take the role back');

    // everything acknowledged is integrated, once, and the log verifies
    for (let i = 0; i < 150; i++) {
      const s = status();
      if (s.pending.count === 0) break;
      await sleep(200);
    }
    const v = cli('verify');
    assert.equal(v.status, 0, `keyhole verify: ${v.stdout} ${v.stderr}`);
    const rows = await client.query<{ rid: string; n: number }>(`select entry::json->>'requestId' as rid, count(*)::int as n from audit_log group by 1`);
    const inLog = new Map(rows.rows.map((r) => [r.rid, r.n]));
    assert.ok(acked.length > 50, `load ran (${acked.length} views, codes ${JSON.stringify([...codes])})`);
    for (const rid of acked) assert.equal(inLog.get(rid), 1, `acknowledged view ${rid} is in the log once`);
    assert.deepEqual([...codes.keys()].filter((c) => c >= 500), [], `no 5xx: ${JSON.stringify([...codes])}`);
    console.log(`takeover after SIGSTOP: ${took} ms; ${acked.length} views acknowledged`);
  });
});
