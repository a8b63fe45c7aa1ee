// Start-up validation of policies/: the repository's policies load in strict mode, and every
// kind of invalid policy directory stops start-up with POLICY_INVALID carrying Cedar's message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { policyDir } from './fixtures.js';

/** Asserts that loading a copy of policies/ changed by `files` throws POLICY_INVALID matching `re`. */
function assertInvalid(files: Readonly<Record<string, string | null>>, re: RegExp): void {
  const d = policyDir(files);
  try {
    assert.throws(() => PolicyEngine.load(d.dir), (e: unknown) => {
      assert.ok(isKeyholeError(e, 'POLICY_INVALID'), `expected POLICY_INVALID, got ${String(e)}`);
      assert.match(e.message, re);
      assert.ok(Array.isArray(e.details?.errors) && e.details.errors.length > 0);
      return true;
    });
  } finally {
    d.remove();
  }
}

describe('PolicyEngine.load', () => {
  it('loads the repository policies (strict validation) with their @ids', () => {
    const e = PolicyEngine.load();
    for (const id of ['gate.assigned-open-ticket', 'guard.suspended-agent', 'guard.customer-locked', 'guard.region-mismatch',
      'guard.fraud-security-only', 'levels.within-purpose-table', 'staff.no-self-approval']) {
      assert.ok(e.policyIds.includes(id), id);
    }
  });

  it('rejects a policy that does not parse, with Cedar\'s message and position', () => {
    assertInvalid({ 'broken.cedar': '@id("broken")\npermit (principal, action, resource) when { context. };\n' }, /broken\.cedar:2:\d+: .*unexpected token/);
  });

  it('rejects a policy that fails strict validation (unknown attribute), naming it', () => {
    assertInvalid(
      { 'typo.cedar': '@id("typo")\nforbid (principal, action == Keyhole::Action::"view", resource) when { principal.suspendd };\n' },
      /typo\.cedar:2:\d+: \[typo\] .*suspendd/,
    );
  });

  it('rejects an ill-typed comparison (String == Long) under strict validation', () => {
    assertInvalid(
      { 'strict.cedar': '@id("strict")\nforbid (principal, action == Keyhole::Action::"view", resource) when { principal.team == 1 };\n' },
      /strict\.cedar:2:\d+: \[strict\] the types Long and String are not compatible/,
    );
  });

  it('rejects a policy naming a Role the schema does not enumerate', () => {
    assertInvalid(
      { 'enum.cedar': '@id("enum")\nforbid (principal, action, resource) when { principal.role == Keyhole::Role::"admin" };\n' },
      /\[enum\] .*"admin"` is not declared/,
    );
  });

  it('rejects a policy without @id and a duplicate @id', () => {
    assertInvalid({ 'anon.cedar': 'forbid (principal, action, resource);\n' }, /anon\.cedar:1:1: every policy needs an @id/);
    assertInvalid({ 'dup.cedar': '@id("guard.suspended-agent")\nforbid (principal, action, resource);\n' }, /duplicate policy @id\("guard\.suspended-agent"\)/);
  });

  it('rejects a schema that does not parse, and a schema whose Purpose enum differs from PURPOSES', () => {
    assertInvalid({ 'keyhole.cedarschema': 'namespace Keyhole { entity Agent = { role: Strin }; }' }, /keyhole\.cedarschema:1:\d+: failed to resolve type: Strin/);
    const d = policyDir({});
    try {
      const text = readSchema(d.dir).replace('"general_inquiry", ', '');
      assertInvalid({ 'keyhole.cedarschema': text }, /Keyhole::Purpose must enumerate exactly/);
    } finally {
      d.remove();
    }
  });

  it('rejects a directory without a schema or without policies', () => {
    assertInvalid({ 'keyhole.cedarschema': null }, /exactly one \*\.cedarschema/);
    assertInvalid({ 'gate.cedar': null, 'guardrails.cedar': null, 'levels.cedar': null, 'staff.cedar': null }, /no \*\.cedar policy files/);
    assert.throws(() => PolicyEngine.load('/nonexistent/keyhole-policies'), (e: unknown) => isKeyholeError(e, 'POLICY_INVALID'));
  });
});

function readSchema(dir: string): string {
  return readFileSync(`${dir}/keyhole.cedarschema`, 'utf8');
}
