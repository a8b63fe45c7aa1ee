// Runs every test/**/*.test.ts with node:test through tsx (Node 20 has no --test globs).
//   node scripts/test.mjs [files…]      the given files, or every test
//   node scripts/test.mjs --unit-http   the unit and HTTP tests only: no browser, no spawned
//     servers or peers, no native addon built for another Node (what .ci/run also runs on Node 24)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Tests that need more than this process: Chromium, real server processes, PostgreSQL restarts,
 *  system daemons, or the PKCS#11 addon (compiled for the machine's Node). */
const NOT_UNIT_HTTP = [
  /^test\/web\//, /^test\/cluster\//, /^test\/durability\//, /^test\/vault\/(pkcs11|key-providers)\.test\.ts$/,
  /^test\/integrations\/siem-rsyslog\.test\.ts$/, /^test\/audit\/multi-server\.test\.ts$/, /^test\/incident\/sender-crash\.test\.ts$/,
  /^test\/cli\.test\.ts$/, /^test\/audit\/verify-cli\.test\.ts$/,
];

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'support' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
const args = process.argv.slice(2);
const unitHttp = args.includes('--unit-http');
const only = args.filter((a) => a !== '--unit-http');
let files = only.length > 0 ? only : find('test').sort();
if (unitHttp) files = files.filter((f) => !NOT_UNIT_HTTP.some((re) => re.test(f.split(path.sep).join('/'))));
console.log(`node ${process.version}: ${files.length} test files`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
