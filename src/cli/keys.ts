// `keyhole keys init|status|rotate|rewrap|reindex|retire`: key custody for operators: the KEK,
// the blind-index key (rotated by re-indexing) and the checkpoint signing key (rotated with an
// overlap). Every operation that
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
import { indexCanonical } from '../fields/index-canonical.js';
import { keyVersionStatus, liveVersions, type KeyVersionDb } from '../vault/key-versions.js';
import { indexesToReindex } from '../vault/reindex.js';
import type { VaultDb } from '../vault/tables.js';
import { withStoreOptions } from './options.js';
import { retireVersionedKey, rotateSigningKey, VERSIONED_KEY_ARG } from './signing-keys.js';

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

const kv = (db: unknown) => db as KeyVersionDb;
const vdb = (db: unknown) => db as VaultDb;

/** Re-indexes every blind index under the current version with a progress bar on stderr, then
 *  retires the old version; appends a key_rewrap record (keyId blind-index: how many re-indexed
 *  and dropped) and a key_retire record in the retiring transaction. */
async function reindexWithProgress(rt: Runtime, actor: KeyActor, batchSize: number): Promise<{ reindexed: number; dropped: number; target: number; retired: readonly number[]; destroyed: readonly number[] }> {
  const target = (await liveVersions(kv(rt.db), 'blind-index')).current;
  const total = await indexesToReindex(vdb(rt.db), target);
  const bar = new cliProgress.SingleBar({ format: `re-indexing blind indexes under version ${target} [{bar}] {value}/{total}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  let logged = false;
  const reindexRecord = (reindexed: number, dropped: number, remaining: number) => keyRecord(rt.clock.now(), 'key_rewrap', actor, { keyId: 'blind-index', toVersion: target, reindexed, dropped, remaining });
  let r;
  try {
    r = await rt.vault.reindexBlindIndexes(vdb(rt.db), indexCanonical, {
      batchSize,
      onProgress: (n) => bar.update(Math.min(n, total)),
      onRetire: async (trx, info) => {
        if (info.reindexed + info.dropped > 0) await appendAudit(audit(trx), reindexRecord(info.reindexed, info.dropped, 0));
        logged = true;
        for (const v of info.versions) {
          await appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_retire', actor, { keyId: 'blind-index', version: v, currentVersion: target, references: 0 }));
        }
      },
    });
    bar.update(total);
  } finally {
    bar.stop();
  }
  if (!logged && r.reindexed + r.dropped > 0) {
    const left = await indexesToReindex(vdb(rt.db), target);
    await rt.db.transaction().execute((trx) => appendAudit(audit(trx), reindexRecord(r.reindexed, r.dropped, left)));
  }
  return { reindexed: r.reindexed, dropped: r.dropped, target, retired: r.retired, destroyed: r.destroyed };
}

function printReindex(done: { reindexed: number; dropped: number; target: number; retired: readonly number[]; destroyed: readonly number[] }): void {
  console.log(`re-indexed ${done.reindexed} blind indexes under version ${done.target}${done.dropped > 0 ? `; dropped ${done.dropped} whose value is gone` : ''}`);
  for (const v of done.retired) console.log(`blind-index key version ${v} retired${done.destroyed.includes(v) ? ' and destroyed' : ''}`);
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
        const versions = await keyVersionStatus(kv(rt.db));
        const bi = versions.filter((v) => v.keyId === 'blind-index');
        const cp = versions.filter((v) => v.keyId === 'checkpoint');
        const biCurrent = bi.find((v) => v.state === 'current');
        const reindexPending = biCurrent === undefined ? 0 : await indexesToReindex(vdb(rt.db), biCurrent.version);
        const status = {
          provider: rt.keys.kind, software: rt.keys.software, keks,
          blindIndexKey: { id: 'blind-index', version: biCurrent?.version ?? 1, versions: bi, toReindex: reindexPending },
          checkpointKey: { id: 'checkpoint', verifierKey: rt.integrator.identity.verifierKey, verifierKeys: [...rt.integrator.identity.verifierKeysAt(rt.clock.now())], versions: cp },
          evidenceKey: { id: 'evidence', verifierKey: (await evidenceKey(rt.keys, rt.integrator.identity.origin)).verifierKey },
        };
        if (o.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        console.log(`key provider: ${status.provider}${status.software ? ' (software keys: development and demo only)' : ''}`);
        console.log('KEK          version  state     data keys  created');
        for (const k of keks) console.log(`${k.kekId.padEnd(12)} ${String(k.version).padStart(7)}  ${k.state.padEnd(8)}  ${String(k.dataKeys).padStart(9)}  ${k.createdAt}`);
        console.log('key          version  state     in use     created');
        for (const v of versions) {
          const use = v.keyId === 'blind-index' ? `${v.references} indexes` : v.state === 'previous' && v.overlapUntil ? `signs until ${v.overlapUntil}` : v.state === 'current' ? 'signs' : '-';
          console.log(`${v.keyId.padEnd(12)} ${String(v.version).padStart(7)}  ${v.state.padEnd(8)}  ${use.padEnd(9)}  ${v.createdAt}`);
        }
        if (reindexPending > 0) console.log(`${reindexPending} blind indexes still to re-index: run keyhole keys reindex`);
        console.log(`blind-index key: ${status.blindIndexKey.id} v${status.blindIndexKey.version}`);
        for (const k of status.checkpointKey.verifierKeys) console.log(`checkpoint key: ${k}`);
        console.log(`evidence key:   ${status.evidenceKey.verifierKey}`);
      });
    });

  withStoreOptions(keys.command('rotate').description('make a new KEK version current for every server, then re-wrap every data key under it (--blind-index: the blind-index key, re-indexing; --signing: the checkpoint key, with an overlap)'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .option('--batch-size <n>', 'data keys re-wrapped (or blind indexes re-indexed) per transaction', int, 500)
    .option('--no-rewrap', 'only switch the current version; run keyhole keys rewrap (or reindex) later')
    .option('--blind-index', 'rotate the blind-index key: re-index every blind index under a new version, then retire the old one')
    .option('--signing', 'rotate the checkpoint signing key: both keys sign during the overlap, then only the new one')
    .option('--overlap <hours>', 'with --signing: how long the old key keeps signing', int, 24)
    .action(async (o: { by?: string; batchSize: number; rewrap: boolean; blindIndex?: boolean; signing?: boolean; overlap: number; dataDir?: string }) => {
      const actor = actorOf(o.by);
      if (o.blindIndex && o.signing) throw new Error('rotate one key at a time: --blind-index or --signing');
      await withRuntime(o, async (rt) => {
        if (o.signing) {
          await rotateSigningKey(rt, actor, o.overlap);
          return;
        }
        if (o.blindIndex) {
          const r = await rt.db.transaction().execute(async (trx) => {
            const { from, to } = await rt.vault.rotateBlindIndexKey(vdb(trx), rt.clock.now());
            const pending = await indexesToReindex(vdb(trx), to);
            await appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_rotate', actor, { keyId: 'blind-index', fromVersion: from, toVersion: to, indexesToReindex: pending }));
            return { from, to, pending };
          });
          console.log(`blind-index key version ${r.to} is now current for every server (was ${r.from}); ${r.pending} blind indexes to re-index`);
          if (!o.rewrap) {
            console.log('run keyhole keys reindex to re-index them (resumable; safe while serving; lookups use both versions meanwhile)');
            return;
          }
          printReindex(await reindexWithProgress(rt, actor, o.batchSize));
          return;
        }
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

  withStoreOptions(keys.command('reindex').description('resume re-indexing every blind index under the current blind-index key version, then retire the old one (idempotent)'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .option('--batch-size <n>', 'blind indexes re-indexed per transaction', int, 500)
    .action(async (o: { by?: string; batchSize: number; dataDir?: string }) => {
      await withRuntime(o, async (rt) => {
        printReindex(await reindexWithProgress(rt, actorOf(o.by), o.batchSize));
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

  withStoreOptions(keys.command('retire').argument('<key id>', 'a KEK (e.g. pkcs11:1), checkpoint:<version> or blind-index:<version>').description('destroy an old key version once nothing uses it (a KEK: no data key wrapped under it; a signing key: its overlap ended; a blind-index key: no index under it)'))
    .option('--by <staff id>', 'who runs it (recorded on the log)')
    .action(async (kekId: string, o: { by?: string; dataDir?: string }) => {
      const actor = actorOf(o.by);
      await withRuntime(o, async (rt) => {
        if (VERSIONED_KEY_ARG.test(kekId)) {
          await retireVersionedKey(rt, actor, kekId);
          return;
        }
        const r = await rt.db.transaction().execute(async (trx) => {
          const res = await retireKek(kek(trx), rt.keys, kekId, rt.clock.now());
          await appendAudit(audit(trx), keyRecord(rt.clock.now(), 'key_retire', actor, { keyId: 'kek', version: kekId, destroyed: res.destroyed, dataKeys: 0 }));
          return res;
        });
        console.log(`KEK ${kekId} retired${r.destroyed ? ' and destroyed' : ''}`);
      });
    });
}
