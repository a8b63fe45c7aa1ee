// `keyhole keys init|status|rotate|rewrap|retire`: key custody for operators. Every operation that
// changes a key is a record on the audit log (actor, key id, versions, counts), appended in the
// same transaction as the change. docs/design/vault.md "Rotation".
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import { evidenceKey } from '../incident/evidence-key.js';
import type { AuditAction, AuditRecord } from '../shared/audit-entry.js';
import type { Runtime } from '../server/runtime.js';
import { keysKind } from '../vault/key-provider.js';
import { currentKekId, dataKeysToRewrap, kekStatus, retireKek, rotateCurrentKek, type KekDb } from '../vault/kek-state.js';
import { withStoreOptions } from './options.js';

type WithRuntime = <T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T>) => Promise<T>;

/** Who ran a key operation: the staff id given with --by, else the operating-system user. */
export interface KeyActor {
  readonly staffId: string | null;
  readonly name: string;
}

function actorOf(by: string | undefined): KeyActor {
  const staffId = by?.trim() || null;
  let os = 'unknown';
  try {
    os = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return { staffId, name: staffId ?? `os:${os}` };
}

/** The audit record of a key operation (no key material, only ids, versions and counts). */
export function keyRecord(now: Date, action: AuditAction, actor: KeyActor, details: AuditRecord['details'], reason: string | null = null): AuditRecord {
  return {
    v: 1, time: now.toISOString(), requestId: `${action}-${randomUUID()}`, action, agentId: actor.staffId, customerId: null, ticketId: null,
    decision: 'allow', fields: {}, policyIds: [], reason, details: { actor: actor.name, ...details },
  };
}

const audit = (db: unknown) => db as Kysely<AuditTables>;
const kek = (db: unknown) => db as KekDb;

/** Re-wraps with a progress bar on stderr; appends a key_rewrap record when anything moved. */
async function rewrapWithProgress(rt: Runtime, actor: KeyActor, batchSize: number): Promise<{ rewrapped: number; target: string }> {
  const target = await currentKekId(kek(rt.db), rt.keys);
  const total = await dataKeysToRewrap(kek(rt.db), target);
  const bar = new cliProgress.SingleBar({ format: `re-wrapping data keys under ${target} [{bar}] {value}/{total}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  let rewrapped = 0;
  try {
    rewrapped = (await rt.vault.rotateKek(rt.db, { batchSize, onProgress: (n) => bar.update(Math.min(n, total)) })).rewrapped;
    bar.update(total);
  } finally {
    bar.stop();
  }
  const left = await dataKeysToRewrap(kek(rt.db), target);
  if (rewrapped > 0) {
    await rt.db.transaction().execute((trx) => appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_rewrap', actor, { keyId: 'kek', toVersion: target, rewrapped, remaining: left })));
  }
  return { rewrapped, target };
}

/** Registers `keyhole keys …` on `program`. */
export function registerKeys(program: Command, withRuntime: WithRuntime): void {
  const keys = program.command('keys').description('key custody: init, status, rotate, rewrap, retire');
  const int = (v: string) => {
    const n = Number.parseInt(v, 10);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`not a positive whole number: ${v}`);
    return n;
  };

  withStoreOptions(keys.command('init').description('generate the keys (on the HSM token with KEYHOLE_KEYS=pkcs11: non-extractable, sensitive)'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .action(async (o: { by?: string; dataDir?: string }) => {
      const actor = actorOf(o.by);
      let created: readonly string[] = [];
      if (keysKind(process.env) === 'pkcs11') {
        const { Pkcs11KeyProvider, pkcs11ConfigFromEnv } = await import('../vault/pkcs11-key-provider.js');
        created = (await Pkcs11KeyProvider.init(await pkcs11ConfigFromEnv(process.env))).created;
      }
      await withRuntime(o, async (rt) => {
        const current = await currentKekId(kek(rt.db), rt.keys);
        await rt.db.transaction().execute((trx) => appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_init', actor, { provider: rt.keys.kind, created: [...created], currentKek: current })));
        console.log(created.length > 0 ? `generated on the token: ${created.join(', ')}` : `the ${rt.keys.kind} key provider holds every key already`);
        console.log(`current KEK: ${current}`);
        if (rt.keys.software) console.log('WARNING: these are software keys (development and demo only); use KEYHOLE_KEYS=pkcs11 in production');
      });
    });

  withStoreOptions(keys.command('status').description('show every key: id, version, state and the data keys each KEK version wraps'))
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean; dataDir?: string }) => {
      await withRuntime(o, async (rt) => {
        const keks = await kekStatus(kek(rt.db), rt.keys);
        const status = {
          provider: rt.keys.kind, software: rt.keys.software, keks,
          blindIndexKey: { id: 'blind-index', version: 1 },
          checkpointKey: { id: 'checkpoint', verifierKey: rt.integrator.identity.verifierKey },
          evidenceKey: { id: 'evidence', verifierKey: (await evidenceKey(rt.keys, rt.integrator.identity.origin)).verifierKey },
        };
        if (o.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        console.log(`key provider: ${status.provider}${status.software ? ' (software keys: development and demo only)' : ''}`);
        console.log('KEK          version  state     data keys  created');
        for (const k of keks) console.log(`${k.kekId.padEnd(12)} ${String(k.version).padStart(7)}  ${k.state.padEnd(8)}  ${String(k.dataKeys).padStart(9)}  ${k.createdAt}`);
        console.log(`blind-index key: ${status.blindIndexKey.id} v${status.blindIndexKey.version}`);
        console.log(`checkpoint key: ${status.checkpointKey.verifierKey}`);
        console.log(`evidence key:   ${status.evidenceKey.verifierKey}`);
      });
    });

  withStoreOptions(keys.command('rotate').description('make a new KEK version current for every server, then re-wrap every data key under it'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', int, 500)
    .option('--no-rewrap', 'only switch the current version; run keyhole keys rewrap later')
    .action(async (o: { by?: string; batchSize: number; rewrap: boolean; dataDir?: string }) => {
      const actor = actorOf(o.by);
      await withRuntime(o, async (rt) => {
        const r = await rt.db.transaction().execute(async (trx) => {
          const { from, to } = await rotateCurrentKek(kek(trx), rt.keys, rt.clock.now());
          const pending = await dataKeysToRewrap(kek(trx), to);
          await appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_rotate', actor, { keyId: 'kek', fromVersion: from, toVersion: to, dataKeysToRewrap: pending }));
          return { from, to, pending };
        });
        console.log(`KEK ${r.to} is now current for every server (was ${r.from}); ${r.pending} data keys to re-wrap`);
        if (!o.rewrap) {
          console.log('run keyhole keys rewrap to re-wrap them (resumable; safe while serving)');
          return;
        }
        const done = await rewrapWithProgress(rt, actor, o.batchSize);
        console.log(`re-wrapped ${done.rewrapped} data keys under ${done.target}`);
        const left = (await kekStatus(kek(rt.db), rt.keys)).filter((k) => k.state === 'previous' && k.dataKeys === 0).map((k) => k.kekId);
        if (left.length > 0) console.log(`unreferenced now: ${left.join(', ')}; retire with keyhole keys retire <kek id>`);
      });
    });

  withStoreOptions(keys.command('rewrap').description('resume re-wrapping every data key under the current KEK (idempotent)'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', int, 500)
    .action(async (o: { by?: string; batchSize: number; dataDir?: string }) => {
      await withRuntime(o, async (rt) => {
        const done = await rewrapWithProgress(rt, actorOf(o.by), o.batchSize);
        console.log(`re-wrapped ${done.rewrapped} data keys under ${done.target}`);
      });
    });

  withStoreOptions(keys.command('retire').argument('<kek id>', 'e.g. pkcs11:1').description('destroy an old KEK version once no data key is wrapped under it'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .action(async (kekId: string, o: { by?: string; dataDir?: string }) => {
      const actor = actorOf(o.by);
      await withRuntime(o, async (rt) => {
        const r = await rt.db.transaction().execute(async (trx) => {
          const res = await retireKek(kek(trx), rt.keys, kekId, rt.clock.now());
          await appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_retire', actor, { keyId: 'kek', version: kekId, destroyed: res.destroyed, dataKeys: 0 }));
          return res;
        });
        console.log(`KEK ${kekId} retired${r.destroyed ? ' and destroyed' : ''}`);
      });
    });
}
