// @ts-nocheck
// `npm run mutation -- <group> [<group>…]` runs StrykerJS on each module group of the security
// core (mutation/groups.mjs) and records its score in bench/results/mutation.json. Run it like a
// benchmark: alone, on the committed code, again whenever that code changes. Groups marked
// needsDatabase also run their storage tests on PostgreSQL when KEYHOLE_TEST_DATABASE_URL is set.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { GROUPS } from '../mutation/groups.mjs';

const args = process.argv.slice(2);
const names = args.length === 0 ? Object.keys(GROUPS) : args;
for (const n of names) if (!GROUPS[n]) { console.error(`unknown group ${n}; groups: ${Object.keys(GROUPS).join(', ')}`); process.exit(2); }

/** Counts of a Stryker JSON report (mutation-testing-report-schema): per status, and the scores
 *  over all valid mutants and over covered ones. */
function scoreOf(report) {
  const c = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, ignored: 0 };
  for (const file of Object.values(report.files)) {
    for (const m of file.mutants) {
      c.mutants++;
      if (m.status === 'Killed') c.killed++;
      else if (m.status === 'Timeout') c.timeout++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
      else if (m.status === 'Ignored') c.ignored++;
      else c.errors++;
    }
  }
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  const covered = detected + c.survived;
  return { ...c, score: valid ? +(100 * detected / valid).toFixed(1) : null, scoreCovered: covered ? +(100 * detected / covered).toFixed(1) : null };
}

const out = 'bench/results/mutation.json';
const results = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { groups: {} };
mkdirSync('reports/mutation', { recursive: true });
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
let failed = false;
for (const name of names) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit', env: { ...process.env, KEYHOLE_MUTATION_GROUP: name },
  });
  if (r.status !== 0) { failed = true; console.error(`stryker failed for ${name}`); continue; }
  const report = JSON.parse(readFileSync(`reports/mutation/${name}.json`, 'utf8'));
  results.groups[name] = { ...scoreOf(report), files: GROUPS[name].mutate, commit, seconds: Math.round((Date.now() - started) / 1000), postgres: Boolean(process.env.KEYHOLE_TEST_DATABASE_URL) };
  console.log(`${name}: ${JSON.stringify(results.groups[name])}`);
}
results.measuredAt = new Date().toISOString();
results.loadAverage = (await import('node:os')).loadavg();
mkdirSync('bench/results', { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.exit(failed ? 1 : 0);
