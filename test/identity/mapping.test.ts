// The identity mapping (issue 11): groups and claims → role, team, vendor, regions; the
// required Keyhole group; a file that does not parse or match the schema is refused naming its
// line (the server then refuses to start).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_MAPPING, mapIdentity, mappingFromEnv, parseMapping } from '../../src/identity/mapping.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/server/app.js';
import { createRuntime } from '../../src/server/runtime.js';

const YAML = `provider: Okta
requiredGroup: Keyhole-Staff
allowJit: true
groups:
  keyhole-security: { role: security }
  keyhole-supervisors: { role: supervisor, team: escalations }
  team-payments: { team: payments, vendor: acme, regions: [GB] }
  region-dach: { regions: [DE, AT] }
claims:
  vendor: organization
`;

const refusal = (text: string): string => {
  try {
    parseMapping(text, 'mapping.yaml');
  } catch (e) {
    assert.ok(isKeyholeError(e, 'IDENTITY_MAPPING_INVALID'), String(e));
    return e.message;
  }
  assert.fail('accepted');
};

describe('identity mapping', () => {
  it('maps groups in file order, joins regions, applies claims and the required group', () => {
    const m = parseMapping(YAML);
    assert.equal(m.provider, 'Okta');
    assert.deepEqual(mapIdentity(m, ['keyhole-staff', 'team-payments', 'keyhole-supervisors', 'region-dach']),
      { role: 'supervisor', team: 'escalations', vendor: 'acme', regions: ['AT', 'DE', 'GB'], entitled: true });
    assert.deepEqual(mapIdentity(m, ['team-payments'], { organization: 'Globex' }),
      { role: 'agent', team: 'payments', vendor: 'Globex', regions: ['GB'], entitled: false });
    assert.deepEqual(mapIdentity(DEFAULT_MAPPING, ['anything']), { role: 'agent', team: 'unassigned', vendor: 'unassigned', regions: [], entitled: true });
    const json = parseMapping(JSON.stringify({ groups: { admins: { role: 'security' } } }));
    assert.equal(mapIdentity(json, ['ADMINS']).role, 'security');
  });

  it('refuses a file that does not parse or does not match, naming the line', () => {
    assert.match(refusal('provider: Okta\ngroups:\n  a: { role: agent\n'), /mapping\.yaml, line [34]:/);
    assert.match(refusal('provider: Okta\ngroups:\n  admins:\n    role: root\n'), /line 4: groups\.admins\.role/);
    assert.match(refusal('provider: Okta\nallowJit: yes please\n'), /line 2: allowJit/);
    assert.match(refusal('provider: Okta\nunknownKey: 1\n'), /line 1/);
    assert.match(refusal('{\n  "groups": {\n    "x": { "regions": ["Germany"] }\n  }\n}'), /line 3: groups\.x\.regions\.0/);
    assert.match(refusal('groups: {}\ngroups: {}\n'), /line 2/);
    const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-mapping-'));
    writeFileSync(path.join(dir, 'bad.yaml'), 'defaults:\n  role: god\n');
    assert.throws(() => mappingFromEnv({ KEYHOLE_IDENTITY_MAPPING: path.join(dir, 'bad.yaml') }), /bad\.yaml, line 2: defaults\.role/);
    assert.throws(() => mappingFromEnv({ KEYHOLE_IDENTITY_MAPPING: path.join(dir, 'missing.yaml') }), (e) => isKeyholeError(e, 'IDENTITY_MAPPING_INVALID'));
    assert.equal(mappingFromEnv({}), DEFAULT_MAPPING);
  });

  it('never grants a role no matching group names (property)', () => {
    const m = parseMapping(YAML);
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), (groups) => {
      const out = mapIdentity(m, groups);
      const lower = groups.map((g) => g.toLowerCase());
      if (out.role === 'security') assert.ok(lower.includes('keyhole-security'));
      if (out.role === 'supervisor') assert.ok(lower.includes('keyhole-supervisors'));
      assert.equal(out.entitled, lower.includes('keyhole-staff'));
    }));
  });

  it('stops the server from starting with a mapping file that does not match, naming the line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-mapping-'));
    const file = path.join(dir, 'mapping.yaml');
    writeFileSync(file, 'provider: Okta\nrequiredGroup: keyhole-staff\ngroups:\n  admins: { role: superuser }\n');
    const rt = await createRuntime({ dataDir: ':memory:', integrate: false, env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') } });
    const saved = process.env.KEYHOLE_IDENTITY_MAPPING;
    process.env.KEYHOLE_IDENTITY_MAPPING = file;
    try {
      await assert.rejects(buildApp(rt, { logger: false, console: false }), (e) => isKeyholeError(e, 'IDENTITY_MAPPING_INVALID') && /mapping\.yaml, line 4: groups\.admins\.role/.test(e.message));
    } finally {
      if (saved === undefined) delete process.env.KEYHOLE_IDENTITY_MAPPING;
      else process.env.KEYHOLE_IDENTITY_MAPPING = saved;
      await rt.close();
    }
  });
});
