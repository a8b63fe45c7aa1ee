// Assembles a release install of Keyhole in <outDir>: the compiled server and CLI (dist/), the
// built console (web/dist), the migrations, the Cedar policies, the bin, and the production
// dependencies only (`npm ci --omit=dev`). The Dockerfile's build stage runs exactly this, and
// test/cluster/release.test.ts runs it too (images cannot be built on the CI machines).
//   node scripts/release.mjs <outDir> [--reuse-build]
// --reuse-build skips `npm run build` when dist/ and web/dist/ are already built.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith('--'));
if (!out) {
  console.error('usage: node scripts/release.mjs <outDir> [--reuse-build]');
  process.exit(2);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, argv, cwd) => {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`release: ${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
};

/** What a release holds besides node_modules (paths relative to the project root). */
export const RELEASE_FILES = ['package.json', 'package-lock.json', 'bin', 'dist', 'migrations', 'policies', 'web/dist', 'README.md', 'docs'];

const built = existsSync(path.join(root, 'dist/cli/main.js')) && existsSync(path.join(root, 'web/dist/index.html'));
if (!(args.includes('--reuse-build') && built)) run(npm, ['run', 'build'], root);
const dest = path.resolve(out);
rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
for (const f of RELEASE_FILES) cpSync(path.join(root, f), path.join(dest, f), { recursive: true });
// production dependencies only; install scripts run (pkcs11js builds its addon)
run(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], dest);
console.log(`release: ${dest} ready (start with: node ${path.join(dest, 'bin/keyhole.js')} serve)`);
