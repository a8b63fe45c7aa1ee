// The error catalogue in code and in docs/errors.md must agree row for row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOG, KeyholeError } from '../src/shared/errors.js';

describe('error catalogue', () => {
  it('docs/errors.md lists every code with its status, exit code and message, and nothing else', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = doc.split('\n').filter((l) => /^\| `[A-Z_]+` \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    const documented = Object.fromEntries(rows.map(([code, status, exit, message]) => [code?.replaceAll('`', ''), { status: Number(status), exit: Number(exit), message }]));
    assert.deepEqual(documented, ERROR_CATALOG);
  });

  it('every 4xx code has a distinct meaning and every error keeps its code and status', () => {
    const e = new KeyholeError('VERIFY_LOCKED');
    assert.equal(e.status, 429);
    assert.equal(e.message, ERROR_CATALOG.VERIFY_LOCKED.message);
    assert.equal(new Set(Object.values(ERROR_CATALOG).map((x) => x.message)).size, Object.keys(ERROR_CATALOG).length);
  });
});
