// `keyhole keys rotate --signing` and `keyhole keys retire checkpoint:<n> | blind-index:<n>`:
// the checkpoint signing key rotates with an overlap in which both keys sign every checkpoint
// (C2SP signed notes carry several signatures) and /v1/log/vkey lists both; afterwards only the
// new key signs. Each step is a record on the log. docs/design/vault.md "Signing-key rotation".
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import { KeyholeError } from '../shared/errors.js';
import { verifierKeyFor } from '../shared/tlog/vkey.js';
import type { Runtime } from '../server/runtime.js';
import { markRetired, rotateKeyVersion, type KeyVersionDb } from '../vault/key-versions.js';
import { indexesToReindex } from '../vault/reindex.js';
import type { VaultDb } from '../vault/tables.js';
import { keyRecord, type KeyActor } from './keys.js';

/** `checkpoint:<n>` or `blind-index:<n>`: the key ids `keys retire` takes besides KEK ids. */
export const VERSIONED_KEY_ARG = /^(checkpoint|blind-index):([1-9][0-9]{0,8})$/;

const audit = (db: unknown) => db as Kysely<AuditTables>;
const kv = (db: unknown) => db as KeyVersionDb;

/** Makes a new checkpoint signing-key version current for every server; the old one keeps
 *  signing for `overlapHours`. Appends a key_rotate record (both verifier keys, the end of the
 *  overlap) in the same transaction, and prints what verifiers and witnesses must add.
 *  @throws KeyholeError from the provider. */
export async function rotateSigningKey(rt: Runtime, actor: KeyActor, overlapHours: number): Promise<void> {
  const origin = rt.integrator.identity.origin;
  const now = rt.clock.now();
  const overlapUntil = new Date(now.getTime() + overlapHours * 3600_000);
  const r = await rt.db.transaction().execute(async (trx) => {
    let keys: { toKey: string; fromKey: string } = { toKey: '', fromKey: '' };
    const { from, to } = await rotateKeyVersion(kv(trx), 'checkpoint', now, async (v, prev) => {
      let signer;
      try {
        signer = await rt.keys.createSigningKey(v);
      } catch (e) {
        if (!(e instanceof KeyholeError && e.code === 'CONFLICT')) throw e;
        await rt.keys.destroySigningKey(v); // an orphan of a rotation that did not commit: it never signed
        signer = await rt.keys.createSigningKey(v);
      }
      keys = { toKey: verifierKeyFor(origin, signer.publicKey), fromKey: verifierKeyFor(origin, (await rt.keys.signer('checkpoint', prev)).publicKey) };
      return { verifierKey: keys.toKey, previousVerifierKey: keys.fromKey };
    }, { overlapUntil });
    await appendAudit(audit(trx), keyRecord(now, 'key_rotate', actor, {
      keyId: 'checkpoint', fromVersion: from, toVersion: to, fromVerifierKey: keys.fromKey, toVerifierKey: keys.toKey, overlapUntil: overlapUntil.toISOString(),
    }));
    return { from, to, ...keys };
  });
  console.log(`checkpoint signing key version ${r.to} is now current for every server (was ${r.from})`);
  console.log(`until ${overlapUntil.toISOString()} every checkpoint carries both signatures and /v1/log/vkey lists both keys; then only the new key signs`);
  console.log(`new verifier key: ${r.toKey}`);
  console.log('add it to every witness (keyhole witness serve --log <key>) and every pinned verifier before the overlap ends');
  console.log(`afterwards: keyhole keys retire checkpoint:${r.from}`);
}

/** Retires `checkpoint:<n>` (its overlap MUST have ended; the private key is destroyed, the
 *  public key stays to verify old checkpoints) or `blind-index:<n>` (no index may be under it),
 *  with a key_retire record in the same transaction.
 *  @throws KeyholeError KEY_IN_USE, NOT_FOUND, CONFLICT (already retired). */
export async function retireVersionedKey(rt: Runtime, actor: KeyActor, arg: string): Promise<void> {
  const m = VERSIONED_KEY_ARG.exec(arg);
  if (!m) throw new KeyholeError('BAD_REQUEST', `not a versioned key id: ${arg}`);
  const keyId = m[1] as 'checkpoint' | 'blind-index';
  const version = Number(m[2]);
  const now = rt.clock.now();
  await rt.db.transaction().execute(async (trx) => {
    const row = await kv(trx).selectFrom('key_versions').select(['state', 'overlap_until']).where('key_id', '=', keyId).where('version', '=', version).executeTakeFirst();
    let references = 0;
    if (keyId === 'checkpoint' && row?.state === 'previous' && row.overlap_until !== null && new Date(row.overlap_until).getTime() > now.getTime()) {
      throw new KeyholeError('KEY_IN_USE', `checkpoint key version ${version} signs until ${new Date(row.overlap_until).toISOString()} (the overlap); retire it afterwards.`, { details: { overlapUntil: new Date(row.overlap_until).toISOString() } });
    }
    if (keyId === 'blind-index' && row?.state === 'previous') {
      const cur = await kv(trx).selectFrom('key_versions').select('version').where('key_id', '=', 'blind-index').where('state', '=', 'current').executeTakeFirstOrThrow();
      references = await kv(trx).selectFrom('blind_indexes').select((eb) => eb.fn.countAll<string>().as('n')).where('key_version', '=', version).executeTakeFirstOrThrow().then((x) => Number(x.n));
      if (references > 0) throw new KeyholeError('KEY_IN_USE', `${references} blind indexes are still under version ${version}; run keyhole keys reindex (it retires the version when done).`, { details: { references, toReindex: await indexesToReindex(trx as unknown as VaultDb, cur.version) } });
    }
    await markRetired(kv(trx), keyId, version, now);
    await appendAudit(audit(trx), keyRecord(now, 'key_retire', actor, { keyId, version, references }));
  });
  const destroyed = keyId === 'checkpoint' ? await rt.keys.destroySigningKey(version) : await rt.keys.destroyBlindIndexKey(version);
  console.log(`${keyId} key version ${version} retired${destroyed ? ' and destroyed' : ''}`);
}
