// The transparency log over HTTP. Public (no sign-in; nothing here names a customer): the
// signed checkpoint, the verifier key, inclusion and consistency proofs, C2SP tlog-tiles hash
// tiles and offline tlog-proofs. Entries name customers: security staff only, in a nested
// scope with the agent auth hook. Thin: parse the (attacker-controlled) query, call LogReader.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { proofLogReader } from '../../audit/log-reader.js';
import { servedCheckpoint } from '../../audit/served-checkpoint.js';
import { cosignatureVerifierKeyFor } from '../../shared/tlog/cosignature.js';
import { KeyholeError } from '../../shared/errors.js';
import { decodeBase64, encodeBase64 } from '../../shared/tlog/base64.js';
import { parseTilePath } from '../../shared/tlog/tile-path.js';
import { ctxOf, requireAgent } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';
import { recordLogRead } from '../log-reads.js';

/** A non-negative decimal as sent in a query; range is checked against the log (a value that is
 *  not a safe integer becomes INDEX_OUT_OF_RANGE there). */
const Decimal = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, 'a non-negative decimal integer').transform(Number);
const B64 = z.string().describe('standard base64 of 32 bytes');

const InclusionQuery = z.strictObject({
  index: Decimal.optional().describe('0-based leaf index'),
  leafHash: z.string().max(100).optional().describe('RFC 6962 leaf hash, base64 (standard or URL-safe) or hex'),
  size: Decimal.optional().describe('tree size; default: the latest checkpoint'),
});
const ConsistencyQuery = z.strictObject({ from: Decimal, to: Decimal.optional().describe('default: the latest checkpoint') });
const EntriesQuery = z.strictObject({ from: Decimal.default(0), limit: z.string().regex(/^[1-9][0-9]{0,3}$/).transform(Number).pipe(z.number().max(1000)).default(100) });
const ProofQuery = z.strictObject({ size: Decimal.optional().describe('a signed checkpoint size; default: the latest') });

const InclusionSchema = z.object({ index: z.number().int(), size: z.number().int(), leafHash: B64, proof: z.array(B64) });
const ConsistencySchema = z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(B64) });
const EntriesSchema = z.object({
  size: z.number().int().describe('the latest signed tree size'),
  entries: z.array(z.object({ seq: z.number().int(), entry: z.string().describe('RFC 8785 canonical JSON: the leaf data'), leafHash: B64 })),
});
const WitnessesSchema = z.object({
  quorum: z.number().int().describe('how many of the witnesses must cosign a served checkpoint'),
  witnesses: z.array(z.object({ name: z.string(), vkey: z.string().describe('cosignature/v1 verifier key'), url: z.string() })),
});
const text = { 200: { description: 'text/plain; charset=utf-8', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses };
const binary = { 200: { description: 'the tile bytes', content: { 'application/octet-stream': { schema: z.any().describe('binary: width × 32-byte hashes') } } }, ...errorResponses };

/** Parses a leaf hash given as 64 hex digits or base64 of 32 bytes (standard, whose `+` a query
 *  string turns into a space, or URL-safe). @throws KeyholeError BAD_REQUEST otherwise. */
export function parseLeafHash(s: string): Uint8Array {
  // attacker-controlled
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Uint8Array.from(Buffer.from(s, 'hex'));
  const std = s.replaceAll(' ', '+').replaceAll('-', '+').replaceAll('_', '/');
  const bytes = decodeBase64(std.length === 43 ? `${std}=` : std);
  if (bytes === undefined || bytes.length !== 32) throw new KeyholeError('BAD_REQUEST', 'leafHash must be 32 bytes in base64 or hex.');
  return bytes;
}

/** Registers /v1/log/*: public routes here, the entries behind the agent auth hook. */
export function logRoutes(rt: Runtime): FastifyPluginAsyncZod {
  const log = proofLogReader(rt.db, process.env);
  return async (app) => {
    app.get('/v1/log/checkpoint', { schema: { tags: ['log'], summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note)', response: text } },
      async (_req, reply) => {
        const cp = await servedCheckpoint(rt.db as never, rt.witnesses.policy);
        if (cp === undefined) throw new KeyholeError('NOT_FOUND', 'No checkpoint is cosigned by the witness quorum yet.');
        return reply.type('text/plain; charset=utf-8').send(cp.note);
      });

    app.get('/v1/log/witnesses', {
      schema: { tags: ['log'], summary: 'The log\'s witnesses and quorum (C2SP tlog-cosignature/v1 verifier keys)', response: { 200: WitnessesSchema, ...errorResponses } },
    }, async () => ({
      quorum: rt.witnesses.policy.quorum,
      witnesses: rt.witnesses.endpoints.map((w) => ({ name: w.verifier.name, vkey: cosignatureVerifierKeyFor(w.verifier.name, w.verifier.publicKey), url: w.url })),
    }));

    app.get('/v1/log/vkey', { schema: { tags: ['log'], summary: 'The verifier keys of the checkpoints (C2SP signed-note, Ed25519), one a line: two during a signing-key rotation', response: text } },
      async (_req, reply) => {
        // During a signing-key rotation's overlap both keys sign: one verifier key a line, current first.
        await rt.integrator.identity.refresh(rt.db as never, rt.clock.now());
        return reply.type('text/plain; charset=utf-8').send(rt.integrator.identity.verifierKeysAt(rt.clock.now()).map((k) => `${k}\n`).join(''));
      });

    app.get('/v1/log/proofs/inclusion', {
      schema: { tags: ['log'], summary: 'Inclusion proof of a leaf, by index or by leaf hash (RFC 9162 §2.1.3)', querystring: InclusionQuery, response: { 200: InclusionSchema, ...errorResponses } },
    }, async (req) => {
      const { index, leafHash, size } = req.query;
      if ((index === undefined) === (leafHash === undefined)) throw new KeyholeError('BAD_REQUEST', 'Give exactly one of index and leafHash.');
      const p = index !== undefined ? await log.inclusionProof(index, size) : await log.inclusionProofByLeaf(parseLeafHash(leafHash!), size);
      return { index: p.index, size: p.size, leafHash: encodeBase64(p.leafHash), proof: p.proof.map(encodeBase64) };
    });

    app.get('/v1/log/proofs/consistency', {
      schema: { tags: ['log'], summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)', querystring: ConsistencyQuery, response: { 200: ConsistencySchema, ...errorResponses } },
    }, async (req) => {
      const p = await log.consistencyProof(req.query.from, req.query.to);
      return { from: p.from, to: p.to, proof: p.proof.map(encodeBase64) };
    });

    app.get('/v1/log/tile/*', { schema: { tags: ['log'], summary: 'A hash tile, tile/<L>/<N>[.p/<W>] (C2SP tlog-tiles), binary', response: binary } },
      async (req, reply) => {
        const target = parseTilePath(`tile/${(req.params as { '*': string })['*']}`);
        if (target.kind !== 'tile') throw new KeyholeError('NOT_FOUND', 'Entry bundles are not published: entries need authorization.');
        return reply.type('application/octet-stream').send(Buffer.from(await log.tile(target.tile)));
      });

    app.get('/v1/log/entries/:seq/proof', {
      schema: { tags: ['log'], summary: 'Offline inclusion proof of one entry (C2SP tlog-proof, no extra data)', params: z.object({ seq: Decimal }), querystring: ProofQuery, response: text },
    }, async (req, reply) => reply.type('text/plain; charset=utf-8').send(await log.entryProof(req.params.seq, req.query.size)));

    await app.register(async (scope) => {
      requireAgent(scope, rt);
      scope.get('/v1/log/entries', {
        schema: { tags: ['log'], summary: 'Log entries from a sequence number (security role)', querystring: EntriesQuery, response: { 200: EntriesSchema, ...errorResponses } },
      }, async (req) => {
        if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may read log entries.');
        const q = req.query as z.infer<typeof EntriesQuery>;
        await recordLogRead(rt, req, 'log_entries', { from: q.from, limit: q.limit });
        const { size, entries } = await log.entries(q.from, q.limit);
        return { size, entries: entries.map((e) => ({ seq: e.seq, entry: e.entry, leafHash: encodeBase64(e.leafHash) })) };
      });
    });
  };
}
