// `keyhole witness serve`: a C2SP tlog-witness. It knows a list of logs (origin → verifier
// keys), keeps the latest checkpoint it cosigned for each in its own WitnessStore, and answers
// POST /add-checkpoint with a cosignature/v1 line only for a checkpoint consistent with that
// one (400/403/404/409/422 otherwise, per the spec), and GET /<origin hash>/checkpoint with
// what it last cosigned. c2sp.org/tlog-witness, c2sp.org/tlog-cosignature. Every request body
// is attacker-controlled; only a signature by a configured log key makes it worth checking.
import Fastify, { type FastifyInstance } from 'fastify';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';
import { parseCheckpoint } from '../shared/tlog/checkpoint.js';
import type { Cosigner } from '../shared/tlog/cosignature.js';
import { assertNoteSyntax, MAX_NOTE_BYTES, openNote, signNote } from '../shared/tlog/note.js';
import type { NoteVerifier } from '../shared/tlog/vkey.js';
import { decideAddCheckpoint, formatConflictBody, parseAddCheckpoint, TLOG_SIZE_CONTENT_TYPE } from '../shared/tlog/witness-protocol.js';
import type { WitnessStore } from './witness-store.js';

/** What a witness needs: its cosigning key, the logs it witnesses (origin → the log's keys),
 *  its store, and a logger for refusals (evidence of log misbehaviour). */
export interface WitnessConfig {
  readonly cosigner: Cosigner;
  readonly logs: ReadonlyMap<string, readonly NoteVerifier[]>;
  readonly store: WitnessStore;
  readonly logger?: boolean | object;
}

/** The outcome of one add-checkpoint: 200 with cosignature lines, or the spec's refusal. */
export interface AddCheckpointResult {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly body: string;
  readonly contentType: string;
}

const TEXT = 'text/plain; charset=utf-8';

/** Handles one add-checkpoint body (c2sp.org/tlog-witness §add-checkpoint), atomically against
 *  the store: the decision and the new state are one step per origin. Never throws for a bad
 *  request: the status says what was wrong. @throws only on store (file system) errors. */
export async function addCheckpoint(cfg: WitnessConfig, body: string): Promise<AddCheckpointResult> {
  let req;
  try {
    req = parseAddCheckpoint(body);
    assertNoteSyntax(req.note);
  } catch (e) {
    return refuse(400, e);
  }
  const origin = req.note.slice(0, Math.max(0, req.note.indexOf('\n'))); // attacker-controlled until verified
  const keys = cfg.logs.get(origin);
  if (keys === undefined) return refuse(404, new KeyholeError('WITNESS_UNKNOWN_LOG'));
  let text: string;
  let logLines: string;
  try {
    const opened = openNote(req.note, keys);
    text = opened.text;
    logLines = opened.verifiedSignatures.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join('');
  } catch (e) {
    return refuse(403, new KeyholeError('WITNESS_SIGNATURE_INVALID', undefined, { cause: e }));
  }
  let cp;
  try {
    cp = parseCheckpoint(text);
  } catch (e) {
    return refuse(400, e);
  }
  return cfg.store.update<AddCheckpointResult>(origin, (current) => {
    const known = current === undefined ? undefined : parseCheckpoint(openNote(current, keys).text);
    const d = decideAddCheckpoint(known, req, cp);
    if (!d.ok && d.status === 409) return { result: { status: 409, body: formatConflictBody(d.size), contentType: TLOG_SIZE_CONTENT_TYPE } };
    if (!d.ok) return { result: { status: d.status, body: `${d.reason}\n`, contentType: TEXT } };
    const cosig = signNote(text, [cfg.cosigner]).slice(text.length + 1);
    return { store: `${text}\n${logLines}${cosig}`, result: { status: 200, body: cosig, contentType: TEXT } };
  });
}

/** The witness's HTTP app: POST /add-checkpoint and GET /<origin hash>/checkpoint. */
export async function buildWitnessApp(cfg: WitnessConfig): Promise<FastifyInstance> {
  const app = Fastify({ logger: cfg.logger ?? false, bodyLimit: MAX_NOTE_BYTES + 8192 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/add-checkpoint', async (req, reply) => {
    const r = await addCheckpoint(cfg, typeof req.body === 'string' ? req.body : '');
    if (r.status !== 200) req.log.warn({ status: r.status, reason: r.body.trim() }, 'add-checkpoint refused');
    return reply.code(r.status).type(r.contentType).send(r.body);
  });
  app.get('/:hash/checkpoint', async (req, reply) => {
    const note = cfg.store.latestByHash((req.params as { hash: string }).hash);
    if (note === undefined) return reply.code(404).type(TEXT).send('no checkpoint cosigned for this log\n');
    return reply.type(TEXT).header('cache-control', 'no-store').send(note);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).type(TEXT).send('not found\n'));
  app.setErrorHandler((e, req, reply) => {
    req.log.error({ err: e }, 'witness error');
    const status = (e as { statusCode?: number }).statusCode;
    return reply.code(status && status >= 400 && status < 500 ? status : 500).type(TEXT).send(status && status < 500 ? 'bad request\n' : 'internal error\n');
  });
  return app;
}

function refuse(status: 400 | 403 | 404 | 422, e: unknown): AddCheckpointResult {
  const message = isKeyholeError(e) ? e.message : 'malformed request';
  return { status, body: `${message}\n`, contentType: TEXT };
}
