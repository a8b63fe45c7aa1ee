// The project names no absolute path of the machine it was built on: the shared test vectors
// and design notes are found as ../shared relative to the repository root, from any working
// directory (issue 10, "Keep it fixed").
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, VECTORS_DIR } from './tlog/support/tree-vectors.js';

const SCANNED = ['src', 'test', 'bench', 'scripts', 'web/src', 'docs', 'policies', 'migrations', '.ci'];
const SKIP = new Set(['node_modules', 'dist', 'results']);
// Built from parts so this file does not match itself.
const MACHINE_PATH = new RegExp(`['"\`(]/${'work'}/`);

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : files(p);
    return /\.(ts|tsx|mjs|js|json|md|sql|cedar|sh)$/.test(e.name) || e.name === 'run' ? [p] : [];
  });
}

describe('repository paths', () => {
  it('no source, test or doc names an absolute path of this machine', () => {
    const hits = SCANNED.flatMap((d) => files(path.join(REPO_ROOT, d)))
      .filter((f) => MACHINE_PATH.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(REPO_ROOT, f));
    assert.deepEqual(hits, []);
  });

  it('finds ../shared/vectors from the repository root, not the working directory', () => {
    assert.equal(VECTORS_DIR, path.resolve(REPO_ROOT, '..', 'shared', 'vectors'));
    assert.ok(existsSync(path.join(VECTORS_DIR, 'rfc6962', 'roots.json')));
  });
});
