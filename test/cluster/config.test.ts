// Configuration from the environment (issue 18 part 5): secrets as <NAME>_FILE, `keyhole config
// check` (effective configuration, secrets redacted, bad and unknown KEYHOLE_* variables named,
// exit 2), and every variable the sources read is a known setting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkConfig, loadSecretFiles, SETTINGS } from '../../src/server/config.js';
import { isKeyholeError } from '../../src/shared/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = randomBytes(32).toString('base64');
const keyFile = path.join(dir, 'master-key');
writeFileSync(keyFile, `${key}\n`);

describe('secrets as <NAME>_FILE', () => {
  it('reads the file into the variable (one trailing newline dropped)', () => {
    const env: NodeJS.ProcessEnv = { KEYHOLE_MASTER_KEY_FILE: keyFile, DATABASE_URL_FILE: keyFile };
    loadSecretFiles(env);
    assert.equal(env.KEYHOLE_MASTER_KEY, key);
    assert.equal(env.KEYHOLE_MASTER_KEY_FILE, undefined);
    assert.equal(env.DATABASE_URL, key);
  });
  it('refuses both forms, a non-secret as a file, and an unreadable file', () => {
    for (const env of [
      { KEYHOLE_MASTER_KEY: key, KEYHOLE_MASTER_KEY_FILE: keyFile },
      { KEYHOLE_LOG_ORIGIN_FILE: keyFile },
      { KEYHOLE_SMTP_URL_FILE: path.join(dir, 'missing') },
    ]) assert.throws(() => loadSecretFiles({ ...env }), (e) => isKeyholeError(e, 'CONFIG_INVALID'));
  });
  it('every secret setting accepts _FILE', () => {
    const secrets = SETTINGS.filter((s) => s.secret && !s.ownFile).map((s) => s.name);
    assert.ok(secrets.includes('KEYHOLE_MASTER_KEY') && secrets.includes('DATABASE_URL') && secrets.includes('KEYHOLE_SMTP_URL'));
    for (const name of secrets) {
      const env: NodeJS.ProcessEnv = { [`${name}_FILE`]: keyFile };
      loadSecretFiles(env);
      assert.equal(env[name], key, name);
    }
  });
});

describe('keyhole config check', () => {
  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'config', 'check', ...args], {
    env: { PATH: process.env.PATH, ...env }, encoding: 'utf8',
  });
  it('prints the effective configuration with secrets redacted', () => {
    const r = run({ KEYHOLE_MASTER_KEY_FILE: keyFile, DATABASE_URL: 'postgres://keyhole:hunter2-secret@db/keyhole', KEYHOLE_LOG_MAX_LAG_S: '30' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(!r.stdout.includes(key) && !r.stdout.includes('hunter2'), 'no secret printed');
    assert.match(r.stdout, /KEYHOLE_MASTER_KEY\s+\(redacted\)\s+\[from file\]/);
    assert.match(r.stdout, /DATABASE_URL\s+\(redacted\)/);
    assert.match(r.stdout, /KEYHOLE_LOG_MAX_LAG_S\s+30/);
    assert.match(r.stdout, /configuration ok/);
  });
  it('names bad and unknown variables and exits 2', () => {
    const r = run({ KEYHOLE_LEADER_LEASE_S: 'soon', KEYHOLE_MASTR_KEY: 'typo', KEYHOLE_SMTP_URL: 'http://not-smtp' }, '--json');
    assert.equal(r.status, 2, r.stderr);
    const report = JSON.parse(r.stdout) as ReturnType<typeof checkConfig>;
    assert.deepEqual(report.unknown, ['KEYHOLE_MASTR_KEY']);
    const bad = report.entries.filter((e) => e.problem).map((e) => e.name).sort();
    assert.deepEqual(bad, ['KEYHOLE_LEADER_LEASE_S', 'KEYHOLE_SMTP_URL']);
    assert.ok(!r.stdout.includes('not-smtp'), 'a secret stays redacted even when bad');
  });
});

describe('every variable the sources read is a known setting', () => {
  it('lists each KEYHOLE_* name found in src/ in SETTINGS (add new ones to src/server/config.ts)', () => {
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : []);
    const names = new Set(files('src').flatMap((f) => readFileSync(f, 'utf8').match(/\bKEYHOLE_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []));
    const known = new Set([...SETTINGS.map((s) => s.name), 'KEYHOLE_RUN_FROM', 'KEYHOLE_TEST_DATABASE_URL', 'KEYHOLE_BENCH_DATABASE_URL']);
    const missing = [...names].filter((n) => !known.has(n) && !(n.endsWith('_FILE') && known.has(n.slice(0, -5)))).sort();
    assert.deepEqual(missing, []);
  });
});
