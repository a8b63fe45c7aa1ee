// The integration commands as an operator runs them on an embedded data directory:
// `keyhole import customers` (a report of bad rows by line, a second run finding the import
// done), `keyhole export audit` in CSV to a file, and `keyhole siem status`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';

const BIN = path.resolve('bin/keyhole.js');
const env = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '', KEYHOLE_SIEM_CONFIG: '' };

function keyhole(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('keyhole import / export / siem on an embedded data directory', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'keyhole-cli-int-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports customers with a bad-row report, and a re-run finds the import done', () => {
    const data = path.join(dir, 'customers.ndjson');
    writeFileSync(data, [
      { externalId: 'c-1', fullName: 'Ada One', email: 'ada@example.org', jurisdiction: 'GB' },
      { externalId: 'c-2', fullName: 'Bob Two', email: 'not-an-email-secret', jurisdiction: 'GB' },
      { externalId: 'c-3', fullName: 'Cy Three', jurisdiction: 'DE', tier: 'pro' },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const r = keyhole('import', 'customers', data, '--data-dir', dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 created, 0 updated, 1 rejected \(3 lines\)/);
    const report = readFileSync(`${data}.rejects.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(report.map((x) => [x.line, x.externalId]), [[2, 'c-2']]);
    assert.match(report[0].reason, /email: invalid value/);
    assert.ok(!JSON.stringify(report).includes('secret'));
    const again = keyhole('import', 'customers', data, '--data-dir', dir);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /already finished/);
  });

  it('exports the audit log as CSV to a file and shows the SIEM status', () => {
    const out = path.join(dir, 'audit.csv');
    const r = keyhole('export', 'audit', '--data-dir', dir, '--since', '2000-01-01T00:00:00Z', '--format', 'csv', '--out', out);
    assert.equal(r.code, 0, r.err);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    assert.ok(rows.some((x) => x.action === 'customer_import'), 'the import batches are on the log');
    assert.ok(rows.every((x) => /^[0-9a-f]{64}$/.test(x.leaf_hash!)));
    assert.ok(!readFileSync(out, 'utf8').includes('ada@example.org'), 'no customer value in the export');
    assert.equal(keyhole('export', 'audit', '--data-dir', dir, '--since', 'yesterday-ish').code, 1);
    const s = keyhole('siem', 'status', '--data-dir', dir);
    assert.equal(s.code, 0, s.err);
  });
});
