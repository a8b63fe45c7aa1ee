// The witness's side of C2SP tlog-witness without I/O: the add-checkpoint body (format/parse,
// strictness), the 409 body, and decideAddCheckpoint against an independent oracle (the RFC
// 6962 consistency proof of test/tlog/support/naive-tree.ts): a genuine extension is cosigned,
// and a wrong old size (409), a fork, a rollback or a tampered proof (422) never are. Also
// witness policies: N of these keys, unknown keys ignored, a bad known signature refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { emptyRoot } from '../../src/shared/tlog/hash.js';
import { signNote } from '../../src/shared/tlog/note.js';
import { assembleNote, openWitnessedCheckpoint, witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import {
  decideAddCheckpoint, formatAddCheckpoint, formatConflictBody, parseAddCheckpoint, parseConflictBody,
} from '../../src/shared/tlog/witness-protocol.js';
import { signerFromSeed, verifierFor } from '../../src/shared/tlog/vkey.js';
import { makeLeaves, naiveConsistency, naiveRoot } from './support/naive-tree.js';

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 17 + i) & 0xff);
const log = signerFromSeed('log.example/a', seed(1));
const cp = (size: number, rootHash: Uint8Array) => ({ origin: 'log.example/a', size, rootHash, extensions: [] as string[] });

describe('add-checkpoint body', () => {
  it('formats the spec\'s layout and parses it back', () => {
    const note = signCheckpoint(cp(3, naiveRoot(makeLeaves(0, 3))), [log]);
    const proof = naiveConsistency(2, makeLeaves(0, 3));
    const body = formatAddCheckpoint({ oldSize: 2, proof, note });
    assert.ok(body.startsWith('old 2\n'));
    assert.ok(body.includes(`\n\n${note}`));
    const back = parseAddCheckpoint(body);
    assert.equal(back.oldSize, 2);
    assert.deepEqual(back.proof, proof);
    assert.equal(back.note, note);
  });

  it('refuses leading zeros, a missing blank line, bad base64, 64 proof lines', () => {
    const h = Buffer.alloc(32).toString('base64');
    for (const body of ['old 01\n\nx', 'old -1\n\nx', 'olds 1\n\nx', `old 1\n${h}\nx`, 'old 1\nnot-base64\n\nx', `old 1\n${h}=\n\nx`, `old 1\n${`${h}\n`.repeat(64)}\nx`, 'old 1']) {
      assert.throws(() => parseAddCheckpoint(body), { code: 'BAD_REQUEST' }, body.slice(0, 20));
    }
    assert.equal(parseAddCheckpoint(`old 1\n${`${h}\n`.repeat(63)}\nx`).proof.length, 63);
  });

  it('round-trips any request (property)', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 50 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 63 }), fc.string({ maxLength: 200 }), (oldSize, proof, note) => {
      const r = parseAddCheckpoint(formatAddCheckpoint({ oldSize, proof, note }));
      assert.equal(r.oldSize, oldSize);
      assert.deepEqual(r.proof, proof);
      assert.equal(r.note, note);
    }));
  });

  it('409 body is the size and a newline, strictly', () => {
    assert.equal(parseConflictBody(formatConflictBody(123)), 123);
    for (const b of ['123', '0123\n', '12 \n', '-1\n', '1e3\n']) assert.throws(() => parseConflictBody(b), { code: 'BAD_REQUEST' });
  });
});

describe('decideAddCheckpoint (property, RFC 6962 oracle)', () => {
  const sizes = fc.integer({ min: 0, max: 300 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

  it('cosigns a genuine extension of what it cosigned', () => {
    fc.assert(fc.property(sizes, ([m, n]) => {
      const leaves = makeLeaves(0, n);
      const known = m === 0 ? undefined : { size: m, rootHash: naiveRoot(leaves.slice(0, m)) };
      const proof = m === 0 || m === n ? [] : naiveConsistency(m, leaves);
      assert.deepEqual(decideAddCheckpoint(known, { oldSize: m, proof }, cp(n, n === 0 ? emptyRoot() : naiveRoot(leaves))), { ok: true });
    }), { numRuns: 200 });
  });

  it('answers 409 with its size when the old size is not what it cosigned', () => {
    fc.assert(fc.property(sizes, fc.integer({ min: 0, max: 300 }), ([m, n], claimed) => {
      fc.pre(claimed !== m && claimed <= n);
      const leaves = makeLeaves(0, n);
      const known = m === 0 ? undefined : { size: m, rootHash: naiveRoot(leaves.slice(0, m)) };
      const d = decideAddCheckpoint(known, { oldSize: claimed, proof: [] }, cp(n, naiveRoot(leaves)));
      assert.deepEqual(d.ok ? d : { status: d.status, size: (d as { size?: number }).size }, { status: 409, size: m });
    }), { numRuns: 200 });
  });

  it('never cosigns a fork, a shorter log presented as new, or a tampered proof', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 200 }), fc.nat(), (m, extra, pick) => {
      const n = m + extra;
      const honest = makeLeaves(0, n);
      const known = { size: m, rootHash: naiveRoot(honest.slice(0, m)) };
      // A fork: the same size or longer, one leaf before m rewritten.
      const forked = honest.slice();
      forked[pick % m] = makeLeaves(pick % m, 1, 'forged')[0]!;
      const forkProof = extra === 0 ? [] : naiveConsistency(m, forked);
      const d1 = decideAddCheckpoint(known, { oldSize: m, proof: forkProof }, cp(n, naiveRoot(forked)));
      assert.equal(d1.ok, false);
      // A tampered proof of the honest extension.
      if (extra > 0) {
        const proof = naiveConsistency(m, honest);
        if (proof.length > 0) {
          const bad = proof.map((h, i) => (i === pick % proof.length ? Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b)) : h));
          const d2 = decideAddCheckpoint(known, { oldSize: m, proof: bad }, cp(n, naiveRoot(honest)));
          assert.deepEqual(d2.ok ? 'ok' : d2.status, 422);
        }
      }
      // A rollback: an older tree sent as if the witness were at its size.
      if (m > 1) {
        const older = 1 + (pick % (m - 1));
        const d3 = decideAddCheckpoint(known, { oldSize: older, proof: [] }, cp(older, naiveRoot(honest.slice(0, older))));
        assert.equal(d3.ok, false);
        assert.equal(d3.ok ? 0 : d3.status, 409);
      }
    }), { numRuns: 200 });
  });

  it('applies the spec\'s fixed rules: 400 old > size, 422 non-empty proof from 0, 422 bad empty root', () => {
    const root = naiveRoot(makeLeaves(0, 4));
    assert.equal(pickStatus(decideAddCheckpoint(undefined, { oldSize: 5, proof: [] }, cp(4, root))), 400);
    assert.equal(pickStatus(decideAddCheckpoint(undefined, { oldSize: 0, proof: [root] }, cp(4, root))), 422);
    assert.equal(pickStatus(decideAddCheckpoint(undefined, { oldSize: 0, proof: [] }, cp(0, root))), 422);
    assert.equal(pickStatus(decideAddCheckpoint({ size: 4, rootHash: root }, { oldSize: 4, proof: [] }, cp(4, emptyRoot()))), 422);
  });
});

const pickStatus = (d: ReturnType<typeof decideAddCheckpoint>) => (d.ok ? 200 : d.status);

describe('witness policy', () => {
  const w = [1, 2, 3].map((i) => cosignerFromSeed(`w${i}.example`, seed(10 + i), () => 1_700_000_000 + i));
  const vkeys = w.map((c) => cosignatureVerifierKeyFor(c.name, c.publicKey));
  const text = `log.example/a\n5\n${Buffer.from(naiveRoot(makeLeaves(0, 5))).toString('base64')}\n`;
  const logged = signNote(text, [log]);
  const logLine = logged.split('\n\n')[1]!.trimEnd();
  const cosig = (c: (typeof w)[number]) => signNote(text, [c]).split('\n\n')[1]!.trimEnd();

  it('counts valid cosignatures of the listed keys and ignores others', () => {
    const stranger = cosignerFromSeed('stranger.example', seed(99));
    const note = assembleNote(text, logLine, [cosig(w[0]!), cosig(stranger), cosig(w[2]!)]);
    const opened = openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 2));
    assert.deepEqual(opened.cosignatures.map((c) => [c.name, c.timestamp]), [['w1.example', 1_700_000_001], ['w3.example', 1_700_000_003]]);
    assert.equal(opened.checkpoint.size, 5);
    assert.throws(() => openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 3)), { code: 'WITNESS_QUORUM_NOT_MET' });
    assert.throws(() => openWitnessedCheckpoint(note, parseLogKey(), 'other/log', witnessPolicy(vkeys, 0)), { code: 'CHECKPOINT_INVALID' });
  });

  it('refuses a note whose cosignature from a listed key does not verify, and one not signed by the log', () => {
    const bad = cosig(w[1]!).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.throws(() => openWitnessedCheckpoint(assembleNote(text, logLine, [bad]), parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 1)), { code: 'CHECKPOINT_INVALID' });
    const noLog = `${text}\n${cosig(w[0]!)}\n`;
    assert.throws(() => openWitnessedCheckpoint(noLog, parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 1)), { code: 'CHECKPOINT_INVALID' });
  });

  it('does not count a cosignature stamped in the future, and checks the policy itself', () => {
    const future = cosignerFromSeed('w1.example', seed(11), () => 2_000_000_000);
    const note = assembleNote(text, logLine, [cosig(future)]);
    assert.throws(() => openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 1), { now: 1_800_000_000 }), { code: 'WITNESS_QUORUM_NOT_MET' });
    assert.equal(openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', witnessPolicy(vkeys, 1)).cosignatures.length, 1);
    assert.throws(() => witnessPolicy(vkeys, 4), { code: 'CHECKPOINT_INVALID' });
    assert.throws(() => witnessPolicy([vkeys[0]!, vkeys[0]!], 1), { code: 'CHECKPOINT_INVALID' });
    assert.equal(witnessPolicy(vkeys).quorum, 3);
  });

  it('any cosignature quorum decision matches a count of the valid listed cosignatures (property)', () => {
    fc.assert(fc.property(fc.subarray([0, 1, 2]), fc.integer({ min: 0, max: 3 }), (who, quorum) => {
      const note = assembleNote(text, logLine, who.map((i) => cosig(w[i]!)));
      const policy = witnessPolicy(vkeys, quorum);
      if (who.length >= quorum) assert.equal(openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', policy).cosignatures.length, who.length);
      else assert.throws(() => openWitnessedCheckpoint(note, parseLogKey(), 'log.example/a', policy), { code: 'WITNESS_QUORUM_NOT_MET' });
    }), { numRuns: 50 });
  });

  function parseLogKey() {
    return verifierFor(log.name, log.publicKey);
  }
});
