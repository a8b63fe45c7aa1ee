// The portal's memory of the log (web/src/portal/log-memory.ts with receipt-verifier.ts's
// checkExtends), run in Node over an in-memory log and a Map for localStorage: a property test of
// the security claim — whatever size this browser verified before, an honest longer log is
// accepted and remembered, while a shorter log or one that changed any earlier record is refused
// — and the remembered checkpoint never goes down and fails closed when it no longer opens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeBase64 } from '../../src/shared/tlog/base64.js';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { openWitnessedCheckpoint, NO_WITNESSES } from '../../src/shared/tlog/witness-policy.js';
import { parseVerifierKey, signerFromSeed, verifierKeyFor } from '../../src/shared/tlog/vkey.js';
import type { Checkpoint } from '../../src/shared/tlog/checkpoint.js';
import type { NoteVerifier } from '../../src/shared/tlog/vkey.js';
import { makeLeaves, naiveConsistency, naiveRoot } from '../tlog/support/naive-tree.js';

// The portal's modules are type-checked by web/tsconfig.json (bundler resolution); loaded here by
// a computed specifier so the Node program does not type-check them a second time. The types
// below are the subset of theirs this test uses.
interface TrustedHead { readonly checkpoint: Checkpoint; readonly key: NoteVerifier; readonly note: string }
interface LogMemoryStorage { getItem(key: string): string | null; setItem(key: string, value: string): void }
interface LogSource {
  vkey(): Promise<string>;
  checkpoint(): Promise<string>;
  inclusion(index: number, size: number): Promise<never>;
  consistency(from: number, to: number): Promise<{ from: number; to: number; proof: string[] }>;
  witnesses(): Promise<{ quorum: number; witnesses: never[] }>;
}
const PORTAL = '../../web/src/portal/';
const { memoryKey, recallHead, rememberHead } = (await import(`${PORTAL}log-memory.ts`)) as {
  memoryKey(origin: string): string;
  recallHead(key: NoteVerifier, storage: LogMemoryStorage): TrustedHead | null;
  rememberHead(head: TrustedHead, storage: LogMemoryStorage): void;
};
const { checkExtends } = (await import(`${PORTAL}receipt-verifier.ts`)) as {
  checkExtends(source: LogSource, prev: TrustedHead, next: TrustedHead, earlier?: boolean): Promise<void>;
};

const ORIGIN = 'test.keyhole.example/log';
const signer = signerFromSeed(ORIGIN, new Uint8Array(32).fill(3));
const key = parseVerifierKey(verifierKeyFor(ORIGIN, signer.publicKey));

/** A log serving `leaves` (consistency proofs computed naively from them). */
function source(leaves: readonly Uint8Array[]): LogSource {
  return {
    vkey: async () => verifierKeyFor(ORIGIN, signer.publicKey),
    checkpoint: async () => note(leaves),
    inclusion: async () => { throw new Error('unused'); },
    consistency: async (from, to) => ({ from, to, proof: naiveConsistency(from, leaves.slice(0, to)).map(encodeBase64) }),
    witnesses: async () => ({ quorum: 0, witnesses: [] }),
  };
}
const note = (leaves: readonly Uint8Array[]) => signCheckpoint({ origin: ORIGIN, size: leaves.length, rootHash: naiveRoot(leaves) }, [signer]);
function head(leaves: readonly Uint8Array[]): TrustedHead {
  const text = note(leaves);
  return { checkpoint: openWitnessedCheckpoint(text, key, ORIGIN, NO_WITNESSES).checkpoint, key, note: text };
}
const storage = (): LogMemoryStorage & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
};

describe('the portal remembers the largest checkpoint it verified', () => {
  it('accepts an honest extension and refuses a shorter or rewritten log (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 70 }).chain((seen) => fc.record({
        seen: fc.constant(seen), grown: fc.integer({ min: seen, max: 90 }), shorter: fc.integer({ min: 0, max: seen - 1 }), changed: fc.integer({ min: 0, max: seen - 1 }),
      })),
      async ({ seen, grown, shorter, changed }) => {
        const log = makeLeaves(0, 90);
        const store = storage();
        rememberHead(head(log.slice(0, seen)), store);
        const prev = recallHead(key, store)!;
        assert.equal(prev.checkpoint.size, seen);
        // Honest: the same history, longer or equal.
        await checkExtends(source(log), prev, head(log.slice(0, grown)), true);
        rememberHead(head(log.slice(0, grown)), store);
        assert.equal(recallHead(key, store)!.checkpoint.size, grown);
        // Truncated back to an older size.
        await assert.rejects(checkExtends(source(log), prev, head(log.slice(0, shorter)), true), /fewer than the \d+ this browser verified on an earlier visit/);
        // Any record before the remembered size rewritten, at the same or a larger size.
        const forked = [...log];
        forked[changed] = makeLeaves(changed, 1, 'forged')[0]!;
        await assert.rejects(checkExtends(source(forked), prev, head(forked.slice(0, grown)), true), /does not extend the \d+ records this browser verified/);
      },
    ), { numRuns: 60 });
  });

  it('never lowers the remembered checkpoint, and fails closed on one that does not open', () => {
    const log = makeLeaves(0, 10);
    const store = storage();
    assert.equal(recallHead(key, store), null);
    rememberHead(head(log), store);
    rememberHead(head(log.slice(0, 4)), store);
    assert.equal(recallHead(key, store)!.checkpoint.size, 10);
    const stranger = signerFromSeed(ORIGIN, new Uint8Array(32).fill(9));
    store.map.set(memoryKey(ORIGIN), signCheckpoint({ origin: ORIGIN, size: 3, rootHash: naiveRoot(log.slice(0, 3)) }, [stranger]));
    assert.throws(() => recallHead(key, store), /not signed by the log's current key/);
    rememberHead(head(log), store);
    assert.ok(store.map.get(memoryKey(ORIGIN))!.includes('\n3\n'), 'the evidence is not overwritten');
  });
});
