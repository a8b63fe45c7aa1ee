// Shared pieces of the witness tests: a real `keyhole witness` HTTP server on 127.0.0.1 with its
// own directory, a Keyhole runtime that submits to it, and the DBA's truncation: with superuser
// rights (triggers off), delete the newest entries, checkpoints and cosignatures and put the
// tiles back as they were at an older checkpoint — a log that is internally consistent.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { AuditTables } from '../../../src/audit/tables.js';
import { buildWitnessApp } from '../../../src/audit/witness-server.js';
import { WitnessStore } from '../../../src/audit/witness-store.js';
import { createRuntime, type Runtime } from '../../../src/server/runtime.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed, type Cosigner } from '../../../src/shared/tlog/cosignature.js';
import type { NoteVerifier } from '../../../src/shared/tlog/vkey.js';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.js';

/** A witness listening on 127.0.0.1. */
export interface RunningWitness {
  readonly url: string;
  readonly vkey: string;
  readonly cosigner: Cosigner;
  readonly dir: string;
  readonly app: FastifyInstance;
  readonly store: WitnessStore;
  close(): Promise<void>;
}

/** Starts a witness of `logs` in `dir` (a new temporary directory by default). */
export async function startWitness(logs: ReadonlyMap<string, readonly NoteVerifier[]>, opts: { dir?: string; name?: string; seed?: Uint8Array } = {}): Promise<RunningWitness> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'kh-witness-'));
  const cosigner = cosignerFromSeed(opts.name ?? 'witness.test/w1', opts.seed ?? randomBytes(32));
  const store = await WitnessStore.open(dir);
  const app = await buildWitnessApp({ cosigner, logs, store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`, vkey: cosignatureVerifierKeyFor(cosigner.name, cosigner.publicKey), cosigner, dir, app, store,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** A runtime on `backend` (PGlite in memory or a fresh PostgreSQL database) with `env` added. */
export async function witnessedRuntime(backend: TestDatabase, env: Record<string, string>): Promise<{ rt: Runtime; db: Kysely<AuditTables>; cleanup: () => Promise<void> }> {
  const pg = backend.name === 'postgres' ? await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string) : undefined;
  const rt = await createRuntime({
    databaseUrl: pg?.url, dataDir: ':memory:', integrate: false, detect: false,
    env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), KEYHOLE_LOG_ORIGIN: 'test.keyhole.example/log', ...env },
  });
  return { rt, db: rt.db as unknown as Kysely<AuditTables>, cleanup: async () => { await rt.close(); await pg?.drop(); } };
}

/** The tiles as they are now (to restore later). */
export async function saveTiles(db: Kysely<AuditTables>) {
  return db.selectFrom('tlog_tiles').selectAll().execute();
}

/** The truncation of issue 10 with superuser rights: back to the checkpoint of `size`. */
export async function truncateTo(db: Kysely<AuditTables>, size: number, tiles: Awaited<ReturnType<typeof saveTiles>>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await trx.deleteFrom('tlog_cosignatures').where('size', '>', size).execute();
    await trx.deleteFrom('tlog_checkpoints').where('size', '>', size).execute();
    await trx.deleteFrom('audit_log').where('seq', '>=', size).execute();
    await trx.deleteFrom('tlog_tiles').execute();
    if (tiles.length > 0) await trx.insertInto('tlog_tiles').values(tiles).execute();
  });
}

/** A temporary directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-pub-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
