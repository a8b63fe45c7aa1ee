// C2SP tlog-tiles resource paths: encoding examples from the spec, encode/parse round trips,
// and rejection of every malformed (attacker-supplied) path with BAD_REQUEST.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKeyholeError } from '../../src/shared/errors.js';
import { entryBundlePath, parseTilePath, tilePath } from '../../src/shared/tlog/tile-path.js';

const badRequest = (e: unknown) => isKeyholeError(e, 'BAD_REQUEST');

describe('tile paths', () => {
  it('encodes as the spec shows', () => {
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 4, index: 1234067, width: 1 }), 'tile/4/x001/x234/067.p/1');
    assert.equal(tilePath({ level: 1, index: 0, width: 17 }), 'tile/1/000.p/17');
    assert.equal(tilePath({ level: 2, index: 1000, width: 256 }), 'tile/2/x001/000');
    assert.equal(tilePath({ level: 0, index: 999, width: 255 }), 'tile/0/999.p/255');
    assert.equal(entryBundlePath({ index: 5, width: 256 }), 'tile/entries/005');
    assert.equal(entryBundlePath({ index: 123456789, width: 3 }), 'tile/entries/x123/x456/789.p/3');
    assert.equal(tilePath({ level: 63, index: Number.MAX_SAFE_INTEGER, width: 256 }), 'tile/63/x009/x007/x199/x254/x740/991');
  });

  it('parses what it encodes', () => {
    assert.deepEqual(parseTilePath('tile/0/x001/x234/067'), { kind: 'tile', tile: { level: 0, index: 1234067, width: 256 } });
    assert.deepEqual(parseTilePath('tile/entries/000.p/7'), { kind: 'entries', bundle: { index: 0, width: 7 } });
  });

  it('round-trips every tile and bundle (fast-check)', () => {
    const index = fc.oneof(fc.nat(2000), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
    const width = fc.integer({ min: 1, max: 256 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), index, width, (level, i, w) => {
        const tile = { level, index: i, width: w };
        assert.deepEqual(parseTilePath(tilePath(tile)), { kind: 'tile', tile });
        const bundle = { index: i, width: w };
        assert.deepEqual(parseTilePath(entryBundlePath(bundle)), { kind: 'entries', bundle });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects malformed paths', () => {
    const bad = [
      '', 'tile', 'tile/', 'tile/0', 'tile/0/', 'Tile/0/000', '/tile/0/000', 'tile/0/000/', 'tile//000',
      'tile/0/1', 'tile/0/01', 'tile/0/0001', 'tile/0/00a', 'tile/0/+01', 'tile/0/-01', 'tile/0/ 001', 'tile/0/000 ',
      'tile/00/000', 'tile/01/000', 'tile/64/000', 'tile/-1/000', 'tile/1e1/000', 'tile/data/000', 'tile/x/000',
      'tile/0/x000/001', 'tile/0/x001', 'tile/0/001/x001', 'tile/0/x01/001', 'tile/0/X001/001', 'tile/0/x001/x002',
      'tile/0/000.p/256', 'tile/0/000.p/0', 'tile/0/000.p/07', 'tile/0/000.p/', 'tile/0/000.p', 'tile/0/000.p/1/2',
      'tile/0/000.p/-1', 'tile/0/000.p/1.0', 'tile/0/000.q/1', 'tile/0/.p/1', 'tile/0/x001.p/1', 'tile/0/x001/002.p/x1',
      'tile/entries/000.p/256', 'tile/entries/01', 'tile/entries', 'tile/entries/', 'tile/entries/x000/001',
      'tile/0/x009/x007/x199/x254/x740/992', // 2^53: not a safe integer
      'tile/0/x001/x001/x001/x001/x001/x001/001', // too many groups
      'tile/0/' + 'x001/'.repeat(20) + '001',
      'tile/0/000\u0000', 'tile/0/٠٠٠',
    ];
    for (const p of bad) assert.throws(() => parseTilePath(p), badRequest, JSON.stringify(p));
    assert.throws(() => parseTilePath(42 as unknown as string), badRequest);
  });

  it('either rejects arbitrary strings with BAD_REQUEST or round-trips them (fast-check)', () => {
    const pieces = fc.constantFrom('tile', 'entries', '/', 'x', '.p', '0', '1', '00', '000', '001', '255', '256', '63', '64', 'x001', '.');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((a) => a.join(''))), (s) => {
        let parsed;
        try {
          parsed = parseTilePath(s);
        } catch (e) {
          assert.ok(badRequest(e));
          return;
        }
        assert.equal(parsed.kind === 'tile' ? tilePath(parsed.tile) : entryBundlePath(parsed.bundle), s);
      }),
      { numRuns: 2000 },
    );
  });
});
