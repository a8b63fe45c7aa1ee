// `keyhole witness init|serve|vkey`: a C2SP tlog-witness run by someone other than the log's
// operator, with its own key (cosignature/v1, in <dir>/witness.key, mode 0600) and its own state
// (<dir>/logs, src/audit/witness-store.ts) — nothing in the log's database.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildWitnessApp } from '../audit/witness-server.js';
import { WitnessStore } from '../audit/witness-store.js';
import { KeyholeError } from '../shared/errors.js';
import { cosignatureVerifierKeyFor, cosignerKeyFor, parseCosignerKey } from '../shared/tlog/cosignature.js';
import { isValidKeyName, parseVerifierKey, type NoteVerifier } from '../shared/tlog/vkey.js';
import { writeFileAtomic } from '../audit/atomic-file.js';

/** The default witness directory. */
export const DEFAULT_WITNESS_DIR = path.resolve('.keyhole', 'witness');
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Adds `witness` to `program`. */
export function registerWitness(program: Command): void {
  const w = program.command('witness').description('run a C2SP tlog-witness: cosign checkpoints of logs you follow, refuse any that rewrite history');
  w.command('init').description('make the witness key (prints its verifier key for the log operator)')
    .requiredOption('--name <name>', 'the witness name, a schema-less URL such as witness.example.org/w1')
    .option('--dir <dir>', 'witness directory (default ./.keyhole/witness)')
    .action((o: { name: string; dir?: string }) => console.log(initWitness(o.dir ?? DEFAULT_WITNESS_DIR, o.name)));
  w.command('vkey').description('print the witness verifier key').option('--dir <dir>', 'witness directory')
    .action((o: { dir?: string }) => console.log(witnessVkey(o.dir ?? DEFAULT_WITNESS_DIR)));
  w.command('serve').description('serve POST /add-checkpoint and GET /<origin hash>/checkpoint')
    .option('--dir <dir>', 'witness directory (default ./.keyhole/witness)')
    .option('--log <vkey>', 'verifier key of a log to witness (its name is the origin); repeatable; also KEYHOLE_WITNESS_LOGS', collect, [])
    .option('--port <n>', 'port', '7380')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (o: { dir?: string; log: string[]; port: string; host: string }) => {
      const dir = o.dir ?? DEFAULT_WITNESS_DIR;
      const logs = witnessLogs([...o.log, ...(process.env.KEYHOLE_WITNESS_LOGS ?? '').split(/\s+/).filter(Boolean)]);
      const store = await WitnessStore.open(dir);
      const app = await buildWitnessApp({ cosigner: readCosigner(dir), logs, store, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
      const stop = async () => { await app.close(); await store.close(); process.exit(0); };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await app.listen({ port: Number(o.port), host: o.host });
      console.log(`witness ${witnessVkey(dir)} following ${[...logs.keys()].join(', ')}`);
    });
}

/** Creates `dir` and its key for witness `name`; returns the verifier key.
 *  @throws KeyholeError BAD_REQUEST on an invalid name; CONFLICT when a key exists already. */
export function initWitness(dir: string, name: string): string {
  if (!isValidKeyName(name)) throw new KeyholeError('BAD_REQUEST', 'The witness name must be a key name: no spaces and no "+".');
  const file = path.join(dir, 'witness.key');
  if (existsSync(file)) throw new KeyholeError('CONFLICT', `${file} exists already; a witness keeps its key.`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${cosignerKeyFor(name, randomBytes(32))}\n`, 0o600);
  return witnessVkey(dir);
}

/** The verifier key of the witness in `dir`. @throws KeyholeError BAD_REQUEST without a key. */
export function witnessVkey(dir: string): string {
  const c = readCosigner(dir);
  return cosignatureVerifierKeyFor(c.name, c.publicKey);
}

/** The logs to witness, by origin, from log verifier keys (the key's name is the origin).
 *  @throws KeyholeError BAD_REQUEST when none is given; CHECKPOINT_INVALID on a bad key. */
export function witnessLogs(vkeys: readonly string[]): Map<string, NoteVerifier[]> {
  if (vkeys.length === 0) throw new KeyholeError('BAD_REQUEST', 'Name at least one log to witness (--log <vkey> or KEYHOLE_WITNESS_LOGS).');
  const logs = new Map<string, NoteVerifier[]>();
  for (const k of vkeys) {
    const v = parseVerifierKey(k.trim());
    logs.set(v.name, [...(logs.get(v.name) ?? []), v]);
  }
  return logs;
}

function readCosigner(dir: string) {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'witness.key'), 'utf8');
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `no witness key in ${dir}: run keyhole witness init first`, { cause });
  }
  return parseCosignerKey(text.trim());
}
