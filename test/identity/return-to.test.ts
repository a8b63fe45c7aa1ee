// Where a sign-in lands (issue 11): whatever `returnTo` a link carries, the browser stays on
// Keyhole's own origin (no open redirect through the sign-in), property-tested.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { safeReturnTo } from '../../src/identity/oidc.js';

describe('sign-in return path', () => {
  it('keeps plain paths and refuses everything that could leave the origin', () => {
    assert.equal(safeReturnTo('/tickets/tkt_1?tab=fields'), '/tickets/tkt_1?tab=fields');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '', undefined, 42, '/\t/evil', '/%0a']) {
      const out = safeReturnTo(bad);
      assert.equal(new URL(out, 'https://keyhole.example').origin, 'https://keyhole.example', String(bad));
    }
  });

  it('never yields a URL on another origin (property)', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `//${s}`)), (s) => {
      const out = safeReturnTo(s);
      assert.ok(out.startsWith('/') && !out.startsWith('//') && !out.startsWith('/\\'));
      assert.equal(new URL(out, 'https://keyhole.example').origin, 'https://keyhole.example');
    }), { numRuns: 2000 });
  });
});
