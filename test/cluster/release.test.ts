// The release build (issue 18 part 4): scripts/release.mjs — the script the Dockerfile's build
// stage runs — assembles dist/ (server and CLI), the console, migrations and policies with
// production dependencies only; that install is complete: its `keyhole` bin runs the compiled
// CLI, serves on PostgreSQL until /readyz is 200, and drains on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPostgresDatabase } from '../support/databases.js';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('release install (npm ci --omit=dev plus dist/)', () => {
  let dir: string;
  let out: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-release-'));
    out = path.join(dir, 'keyhole');
    const r = spawnSync(process.execPath, ['scripts/release.mjs', out, '--reuse-build'], { encoding: 'utf8', timeout: 15 * 60_000 });
    assert.equal(r.status, 0, `release.mjs: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the compiled CLI and no development dependency', () => {
    for (const f of ['dist/cli/main.js', 'dist/server/app.js', 'web/dist/index.html', 'migrations/0001_core.sql', 'policies/keyhole.cedarschema', 'bin/keyhole.js']) {
      assert.ok(existsSync(path.join(out, f)), f);
    }
    assert.ok(!existsSync(path.join(out, 'src')), 'no TypeScript sources');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    // every package the lock file marks dev-only is absent (a devDependency that a production
    // dependency also needs, e.g. @types/node, is not dev-only)
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([k, v]) => k !== '' && v.dev === true).map(([k]) => k);
    assert.ok(devOnly.includes('node_modules/typescript') && devOnly.includes('node_modules/tsx'));
    for (const k of devOnly) assert.ok(!existsSync(path.join(out, k)), `dev-only ${k} is not installed`);
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(path.join(out, 'node_modules', dep)), `dependency ${dep} is installed`);
    assert.ok(!('tsx' in pkg.dependencies), 'tsx is a development tool only');
  });

  it('runs the keyhole bin from dist/', () => {
    const r = spawnSync(process.execPath, [path.join(out, 'bin/keyhole.js'), '--help'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /serve \[options\]/);
    assert.match(r.stdout, /status \[options\]/);
  });

  it('serves on PostgreSQL until ready, then drains on SIGTERM', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset', timeout: 180_000 }, async () => {
    const pg = await createPostgresDatabase(adminUrl!);
    const child = spawn(process.execPath, [path.join(out, 'bin/keyhole.js'), 'serve', '--port', '0'], {
      cwd: dir, env: { PATH: process.env.PATH, DATABASE_URL: pg.url, KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' },
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      let port = 0;
      for (let i = 0; i < 600 && port === 0 && child.exitCode === null; i++) {
        port = Number(/serving on http:\/\/[^:]+:(\d+)\//.exec(text)?.[1] ?? 0);
        await sleep(200);
      }
      assert.ok(port > 0, `started: ${text.slice(-1000)}`);
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
        if (ready !== 200) await sleep(200);
      }
      assert.equal(ready, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200, 'the console is served');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, text.slice(-1000));
    } finally {
      child.kill('SIGKILL');
      await pg.drop();
    }
  });
});
