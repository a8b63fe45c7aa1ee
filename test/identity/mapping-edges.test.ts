// The identity mapping at its edges (issue 20, mutation testing of the identity group): claims
// that set team, vendor and regions (trimmed, cut at 100 characters, blank or non-string
// ignored; regions from a list or a comma string, upper-cased, invalid codes dropped, replacing
// the groups' regions), the precedence of groups per attribute, regions joined without
// duplicates and sorted, the required group matched without regard to case, and the schema's
// bounds on labels, regions, the provider's name and the groups claim.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_MAPPING, mapIdentity, mappingFromEnv, MappingSchema, parseMapping } from '../../src/identity/mapping.js';
import { isKeyholeError } from '../../src/shared/errors.js';

const m = parseMapping(JSON.stringify({
  requiredGroup: 'Keyhole-Staff',
  defaults: { role: 'agent', team: 'desk', vendor: 'in-house', regions: ['IE'] },
  groups: {
    first: { team: 'first-team', regions: ['GB', 'FR'] },
    second: { role: 'supervisor', team: 'second-team', vendor: 'acme', regions: ['FR', 'DE'] },
    third: { role: 'security', vendor: 'globex' },
  },
  claims: { team: 'dept', vendor: 'org', regions: 'countries' },
}));

describe('identity mapping at its edges', () => {
  it('takes each of role, team and vendor from the first group in file order that sets it', () => {
    // Membership order does not matter; the file's order does.
    for (const groups of [['first', 'second', 'third'], ['third', 'second', 'first']]) {
      assert.deepEqual(mapIdentity(m, groups), { role: 'supervisor', team: 'first-team', vendor: 'acme', regions: ['DE', 'FR', 'GB'], entitled: false });
    }
    assert.deepEqual(mapIdentity(m, ['third']), { role: 'security', team: 'desk', vendor: 'globex', regions: ['IE'], entitled: false });
    assert.deepEqual(mapIdentity(m, []), { role: 'agent', team: 'desk', vendor: 'in-house', regions: ['IE'], entitled: false }, 'the defaults');
  });

  it('joins the regions of every matching group once each, sorted; a group without regions keeps the defaults out', () => {
    assert.deepEqual(mapIdentity(m, ['second', 'first']).regions, ['DE', 'FR', 'GB']);
    assert.deepEqual(mapIdentity(m, ['second']).regions, ['DE', 'FR']);
    assert.deepEqual(mapIdentity(m, ['third']).regions, ['IE'], 'no group set regions: the defaults');
  });

  it('matches group names and the required group without regard to case', () => {
    assert.equal(mapIdentity(m, ['SECOND']).role, 'supervisor');
    assert.equal(mapIdentity(m, ['keyhole-staff']).entitled, true);
    assert.equal(mapIdentity(m, ['KEYHOLE-STAFF']).entitled, true);
    assert.equal(mapIdentity(m, ['keyhole-staf']).entitled, false);
    assert.equal(mapIdentity(DEFAULT_MAPPING, []).entitled, true, 'no required group: everyone is entitled');
  });

  it('lets string claims set team and vendor after the groups: trimmed, at most 100 characters, blank ignored', () => {
    assert.deepEqual(mapIdentity(m, ['second'], { dept: '  Payments ', org: 'Globex' }), { role: 'supervisor', team: 'Payments', vendor: 'Globex', regions: ['DE', 'FR'], entitled: false });
    assert.equal(mapIdentity(m, [], { dept: 'x'.repeat(150) }).team, 'x'.repeat(100));
    assert.equal(mapIdentity(m, [], { org: `  ${'y'.repeat(150)}` }).vendor, 'y'.repeat(100), 'trimmed, then cut');
    assert.equal(mapIdentity(m, ['second'], { dept: '   ', org: '' }).team, 'second-team');
    assert.equal(mapIdentity(m, ['second'], { dept: '   ', org: '' }).vendor, 'acme');
    assert.equal(mapIdentity(m, ['second'], { dept: 42, org: ['Globex'] }).team, 'second-team', 'a claim that is not a string is ignored');
    assert.equal(mapIdentity(m, ['second'], { dept: 42, org: ['Globex'] }).vendor, 'acme');
    assert.equal(mapIdentity(DEFAULT_MAPPING, [], { team: 'Payments', vendor: 'Globex' }).team, 'unassigned', 'claims count only when the mapping names them');
  });

  it('takes regions from a claim list or comma string, upper-cased, invalid codes dropped, replacing the groups\' regions', () => {
    assert.deepEqual(mapIdentity(m, ['first'], { countries: ['de', ' at ', 'DE'] }).regions, ['AT', 'DE']);
    assert.deepEqual(mapIdentity(m, ['first'], { countries: 'es, pt,,Portugal,E1,ES' }).regions, ['ES', 'PT']);
    assert.deepEqual(mapIdentity(m, ['first'], { countries: ['Germany', 'D', 'DEU', 7] }).regions, ['FR', 'GB'], 'no valid code: the groups\' regions stay');
    assert.deepEqual(mapIdentity(m, ['first'], { countries: { DE: true } }).regions, ['FR', 'GB'], 'neither a list nor a string');
    assert.deepEqual(mapIdentity(m, [], { countries: 'nl' }).regions, ['NL'], 'the defaults give way too');
  });

  it('never yields a region that is not two upper-case letters, nor a duplicate (property)', () => {
    const region = fc.oneof(fc.constantFrom('de', 'DE', ' gb', 'Fr ', 'E1', 'GBR', ''), fc.string({ maxLength: 4 }));
    fc.assert(fc.property(fc.subarray(['first', 'second', 'third']), fc.oneof(fc.array(region, { maxLength: 6 }), region.map((r) => `${r},${r}`)), (groups, countries) => {
      const out = mapIdentity(m, groups, { countries });
      for (const r of out.regions) assert.match(r, /^[A-Z]{2}$/);
      assert.equal(new Set(out.regions).size, out.regions.length);
      assert.deepEqual([...out.regions], [...out.regions].sort());
    }));
  });

  it('bounds the file: labels 1–100 characters after trimming, ISO 3166 alpha-2 regions (at most 300), a provider name of 1–60, a groups claim of 1–200', () => {
    const refused = (doc: unknown, path: string) => {
      assert.throws(() => parseMapping(JSON.stringify(doc)), (e) => isKeyholeError(e, 'IDENTITY_MAPPING_INVALID') && e.message.includes(path), JSON.stringify(doc).slice(0, 80));
    };
    refused({ groups: { g: { team: '   ' } } }, 'groups.g.team');
    refused({ groups: { g: { team: 'x'.repeat(101) } } }, 'groups.g.team');
    assert.equal(parseMapping(JSON.stringify({ groups: { g: { team: ` ${'x'.repeat(100)} ` } } })).groups.g?.team, 'x'.repeat(100));
    refused({ groups: { g: { regions: ['gb'] } } }, 'groups.g.regions.0');
    refused({ groups: { g: { regions: ['GBR'] } } }, 'groups.g.regions.0');
    refused({ groups: { g: { regions: Array.from({ length: 301 }, () => 'GB') } } }, 'groups.g.regions');
    assert.equal(parseMapping(JSON.stringify({ groups: { g: { regions: Array.from({ length: 300 }, () => 'GB') } } })).groups.g?.regions?.length, 300);
    refused({ groups: { g: { role: 'admin' } } }, 'groups.g.role');
    refused({ groups: { g: { extra: 1 } } }, 'groups.g');
    refused({ provider: '  ' }, 'provider');
    refused({ provider: 'p'.repeat(61) }, 'provider');
    refused({ groupsClaim: '' }, 'groupsClaim');
    refused({ groupsClaim: 'c'.repeat(201) }, 'groupsClaim');
    refused({ requiredGroup: '' }, 'requiredGroup');
    refused({ defaults: { vendor: '' } }, 'defaults.vendor');
    refused({ claims: { team: 1 } }, 'claims.team');
    const d = MappingSchema.parse({});
    assert.deepEqual({ provider: d.provider, groupsClaim: d.groupsClaim, allowJit: d.allowJit, syncAtSignIn: d.syncAtSignIn, defaults: d.defaults, groups: d.groups, requiredGroup: d.requiredGroup },
      { provider: 'single sign-on', groupsClaim: 'groups', allowJit: false, syncAtSignIn: false, defaults: { role: 'agent', team: 'unassigned', vendor: 'unassigned', regions: [] }, groups: {}, requiredGroup: undefined });
  });

  it('names the line of the deepest node on the problem\'s path, through maps and lists', () => {
    const line = (text: string) => {
      try {
        parseMapping(text, 'm');
      } catch (e) {
        assert.ok(isKeyholeError(e, 'IDENTITY_MAPPING_INVALID'));
        return /^m, line (\d+): ([^:]+):/.exec(e.message)?.slice(1, 3).join(' ');
      }
      assert.fail(`accepted ${text}`);
    };
    assert.equal(line('groups:\n  a:\n    regions:\n      - GB\n      - Germany\n'), '5 groups.a.regions.1');
    assert.equal(line('groups:\n  a:\n    extra: 1\n'), '3 groups.a');
    assert.equal(line('provider: Okta\ngroups:\n  a:\n    team: ok\n  b:\n    team: ""\n'), '6 groups.b.team');
    assert.equal(line('groups:\n  a: [1, 2]\n'), '2 groups.a');
    assert.equal(line('defaults:\n  regions:\n    - GB\n    -\n      nested: 1\n'), '5 defaults.regions.1');
    assert.equal(line('allowJit: true\ngroups: 5\n'), '2 groups');
  });

  it('reads KEYHOLE_IDENTITY_MAPPING trimmed: blank is no file; an unreadable file is refused with its cause', () => {
    assert.equal(mappingFromEnv({ KEYHOLE_IDENTITY_MAPPING: '   ' }), DEFAULT_MAPPING);
    const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-mapping-'));
    const file = path.join(dir, 'm.json');
    writeFileSync(file, JSON.stringify({ provider: 'Okta' }));
    assert.equal(mappingFromEnv({ KEYHOLE_IDENTITY_MAPPING: ` ${file}\n` }).provider, 'Okta');
    assert.throws(() => mappingFromEnv({ KEYHOLE_IDENTITY_MAPPING: path.join(dir, 'none.json') }),
      (e) => isKeyholeError(e, 'IDENTITY_MAPPING_INVALID') && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT');
  });

  it('reads an empty file as the defaults, and names the top level when the document is not a mapping', () => {
    assert.deepEqual(parseMapping(''), DEFAULT_MAPPING);
    assert.throws(() => parseMapping('- a\n- b\n', 'm.yaml'), (e) => isKeyholeError(e, 'IDENTITY_MAPPING_INVALID') && /m\.yaml, line 1: top level/.test(e.message));
  });
});
