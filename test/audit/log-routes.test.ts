// The log's HTTP API through app.inject: the checkpoint verifies with the published vkey,
// inclusion and consistency proofs from the API verify (RFC 9162), tiles are the C2SP tlog-tiles
// bytes of a naive recompute, an offline tlog-proof verifies on the CLI path, bad queries get
// 400s with stable codes, and entries need a security-role session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { checkpointsAfter } from '../../src/audit/checkpoint-store.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { verifyOfflineProof } from '../../src/audit/verify-proof.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { decodeBase64, encodeBase64 } from '../../src/shared/tlog/base64.js';
import { openCheckpoint, type Checkpoint } from '../../src/shared/tlog/checkpoint.js';
import { leafHash } from '../../src/shared/tlog/hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { parseVerifierKey, type NoteVerifier } from '../../src/shared/tlog/vkey.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { naiveTiles } from '../tlog/support/naive-tree.js';
import { appendRecords } from './support/log-fixture.js';

const b64 = (s: string) => decodeBase64(s)!;

for (const backend of DATABASES) {
  describe(`log API on ${backend.name}`, () => {
    let h: Harness;
    let verifier: NoteVerifier;
    let latest: Checkpoint;
    let leaves: Uint8Array[];
    let entries: { seq: number; entry: string }[];
    let securityCookie: string;

    const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });
    const code = async (url: string) => { const r = await get(url); return `${r.statusCode} ${r.json().error?.code}`; };

    before(async () => {
      h = await startHarness(backend);
      const db = h.rt.db as unknown as Kysely<AuditTables>;
      await h.rt.integrator.drain();
      await appendRecords(db, 0, 200, 'api');
      await h.rt.integrator.drain();
      await appendRecords(db, 200, 130, 'api');
      await h.rt.integrator.drain();
      verifier = parseVerifierKey((await get('/v1/log/vkey')).body.trim());
      latest = openCheckpoint((await get('/v1/log/checkpoint')).body, verifier, verifier.name).checkpoint;
      const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).orderBy('seq').execute();
      entries = rows;
      leaves = rows.map((r) => leafHash(new TextEncoder().encode(r.entry)));
      securityCookie = await h.login(h.staff.find((s) => s.role === 'security')!.id);
    });
    after(() => h.close());

    it('serves a checkpoint that opens with the published verifier key and covers every entry', async () => {
      const r = await get('/v1/log/checkpoint');
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.equal(latest.origin, 'keyhole.example/log');
      assert.equal(latest.size, leaves.length);
      assert.ok(latest.size >= 330);
      assert.equal(verifier.name, latest.origin);
    });

    it('serves inclusion proofs by index that verify for any index and size (fast-check)', async () => {
      const cps = await checkpointsAfter(h.rt.db as unknown as Kysely<AuditTables>, 0, 100);
      await fc.assert(fc.asyncProperty(fc.constantFrom(...cps), fc.nat(), async (cp, i) => {
        const index = i % cp.size;
        const r = await get(`/v1/log/proofs/inclusion?index=${index}&size=${cp.size}`);
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json() as { index: number; size: number; leafHash: string; proof: string[] };
        assert.deepEqual(b64(body.leafHash), leaves[index]);
        verifyInclusion(leaves[index]!, index, cp.size, body.proof.map(b64), cp.rootHash);
      }), { numRuns: 30 });
    });

    it('serves inclusion proofs by leaf hash in hex, base64 and base64url', async () => {
      const i = 201;
      const forms = [Buffer.from(leaves[i]!).toString('hex'), encodeURIComponent(encodeBase64(leaves[i]!)), Buffer.from(leaves[i]!).toString('base64url'),
        encodeBase64(leaves[i]!).replaceAll('+', ' ').replaceAll('=', '%3D')];
      for (const form of forms) {
        const r = await get(`/v1/log/proofs/inclusion?leafHash=${form}`);
        assert.equal(r.statusCode, 200, `${form}: ${r.body}`);
        assert.equal(r.json().index, i);
        verifyInclusion(leaves[i]!, i, latest.size, r.json().proof.map(b64), latest.rootHash);
      }
      assert.equal(await code(`/v1/log/proofs/inclusion?leafHash=${'ab'.repeat(32)}`), '404 NOT_FOUND');
    });

    it('serves consistency proofs from every signed checkpoint to the latest', async () => {
      for (const cp of await checkpointsAfter(h.rt.db as unknown as Kysely<AuditTables>, -1, 100)) {
        const r = await get(`/v1/log/proofs/consistency?from=${cp.size}`);
        assert.equal(r.statusCode, 200, r.body);
        verifyConsistency(cp.size, latest.size, r.json().proof.map(b64), cp.rootHash, latest.rootHash);
      }
    });

    it('serves hash tiles as C2SP tlog-tiles bytes', async () => {
      const tiles = naiveTiles(leaves);
      const full = await get('/v1/log/tile/0/000');
      assert.equal(full.statusCode, 200);
      assert.equal(full.headers['content-type'], 'application/octet-stream');
      assert.deepEqual(new Uint8Array(full.rawPayload), tiles.get('0/0'));
      const w = leaves.length % 256;
      const partial = await get(`/v1/log/tile/0/001.p/${w}`);
      assert.deepEqual(new Uint8Array(partial.rawPayload), tiles.get('0/1'));
      const narrower = await get('/v1/log/tile/0/001.p/3');
      assert.deepEqual(new Uint8Array(narrower.rawPayload), tiles.get('0/1')!.subarray(0, 96));
      assert.deepEqual(new Uint8Array((await get('/v1/log/tile/1/000.p/1')).rawPayload), tiles.get('1/0'));
      assert.equal(await code('/v1/log/tile/0/001'), '404 NOT_FOUND'); // not full yet
      assert.equal(await code('/v1/log/tile/0/x001/000'), '404 NOT_FOUND');
      assert.equal(await code('/v1/log/tile/entries/000'), '404 NOT_FOUND');
      for (const bad of ['0/1', '0/0001', '0/000.p/0', '0/000.p/256', '64/000', '0/x000/001', '00/000']) {
        assert.equal(await code(`/v1/log/tile/${bad}`), '400 BAD_REQUEST', bad);
      }
    });

    it('serves an offline tlog-proof that verifies on the CLI path with the entry from the security API', async () => {
      const proof = (await get('/v1/log/entries/17/proof')).body;
      const checkpoint = (await get('/v1/log/checkpoint')).body;
      const vkey = (await get('/v1/log/vkey')).body;
      const page = await get('/v1/log/entries?from=17&limit=1', { cookie: securityCookie });
      const entry = page.json().entries[0].entry as string;
      assert.equal(entry, entries[17]!.entry);
      const r = verifyOfflineProof({ proof, vkey, entry, checkpoint });
      assert.deepEqual([r.index, r.checkpoint.size], [17, latest.size]);
      const pretty = JSON.stringify(JSON.parse(entry), null, 2); // any JSON formatting of the record
      assert.equal(verifyOfflineProof({ proof, vkey, entry: pretty, checkpoint }).index, 17);
      assert.throws(() => verifyOfflineProof({ proof, vkey, entry: entries[18]!.entry, checkpoint }), (e) => isKeyholeError(e, 'PROOF_INVALID'));
      const old = (await checkpointsAfter(h.rt.db as unknown as Kysely<AuditTables>, 0, 1))[0]!;
      assert.throws(() => verifyOfflineProof({ proof, vkey, entry, checkpoint: old.note }), (e) => isKeyholeError(e, 'PROOF_INVALID'));
      const atOld = (await get(`/v1/log/entries/17/proof?size=${old.size}`)).body;
      assert.equal(verifyOfflineProof({ proof: atOld, vkey, entry, checkpoint: old.note }).checkpoint.size, old.size);
      const consistency = (await get(`/v1/log/proofs/consistency?from=${old.size}`)).json().proof.map(b64);
      assert.equal(verifyOfflineProof({ proof, vkey, entry, checkpoint: old.note, consistency }).trustedSize, old.size);
    });

    it('answers bad queries with 400 and a stable code', async () => {
      const cases: [string, string][] = [
        ['/v1/log/proofs/inclusion?index=abc', '400 VALIDATION_FAILED'],
        ['/v1/log/proofs/inclusion?index=-1', '400 VALIDATION_FAILED'],
        ['/v1/log/proofs/inclusion?index=01', '400 VALIDATION_FAILED'],
        ['/v1/log/proofs/inclusion?index=1&index=2', '400 VALIDATION_FAILED'],
        ['/v1/log/proofs/inclusion?index=1&extra=1', '400 VALIDATION_FAILED'],
        ['/v1/log/proofs/inclusion', '400 BAD_REQUEST'],
        [`/v1/log/proofs/inclusion?index=1&leafHash=${'ab'.repeat(32)}`, '400 BAD_REQUEST'],
        ['/v1/log/proofs/inclusion?leafHash=zz', '400 BAD_REQUEST'],
        [`/v1/log/proofs/inclusion?index=${latest.size}`, '400 INDEX_OUT_OF_RANGE'],
        [`/v1/log/proofs/inclusion?index=5&size=5`, '400 INDEX_OUT_OF_RANGE'],
        [`/v1/log/proofs/inclusion?index=0&size=${latest.size + 1}`, '400 INDEX_OUT_OF_RANGE'],
        ['/v1/log/proofs/inclusion?index=0&size=0', '400 INDEX_OUT_OF_RANGE'],
        ['/v1/log/proofs/inclusion?index=18446744073709551615', '400 INDEX_OUT_OF_RANGE'],
        ['/v1/log/proofs/consistency?from=10&to=5', '400 INDEX_OUT_OF_RANGE'],
        [`/v1/log/proofs/consistency?from=0&to=${latest.size + 1}`, '400 INDEX_OUT_OF_RANGE'],
        ['/v1/log/proofs/consistency', '400 VALIDATION_FAILED'],
        [`/v1/log/entries/${latest.size}/proof`, '400 INDEX_OUT_OF_RANGE'],
        ['/v1/log/entries/1/proof?size=7', '404 NOT_FOUND'],
        ['/v1/log/entries/x/proof', '400 VALIDATION_FAILED'],
      ];
      for (const [url, expected] of cases) assert.equal(await code(url), expected, url);
    });

    it('serves entries to security staff only', async () => {
      assert.equal(await code('/v1/log/entries'), '401 UNAUTHENTICATED');
      const agent = await h.login(h.staff.find((s) => s.role === 'agent')!.id);
      const denied = await get('/v1/log/entries', { cookie: agent });
      assert.deepEqual([denied.statusCode, denied.json().error.code], [403, 'FORBIDDEN']);
      const r = await get('/v1/log/entries?from=100&limit=5', { cookie: securityCookie });
      assert.equal(r.statusCode, 200);
      const body = r.json() as { size: number; entries: { seq: number; entry: string; leafHash: string }[] };
      assert.equal(body.size, latest.size);
      assert.deepEqual(body.entries.map((e) => e.seq), [100, 101, 102, 103, 104]);
      for (const e of body.entries) assert.deepEqual(b64(e.leafHash), leafHash(new TextEncoder().encode(e.entry)));
      const bad = await get('/v1/log/entries?limit=5000', { cookie: securityCookie });
      assert.equal(bad.statusCode, 400);
    });
  });
}
