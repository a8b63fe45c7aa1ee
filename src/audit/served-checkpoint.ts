// The checkpoint the log serves at /v1/log/checkpoint: the newest signed checkpoint cosigned by
// at least the quorum of the log's own witness policy, as its signed note followed by every
// stored cosignature line of a policy witness (c2sp.org/tlog-witness: "move the valid
// signatures to its own view of the checkpoint"). With no witnesses, the newest checkpoint.
import type { Kysely } from 'kysely';
import type { WitnessPolicy } from '../shared/tlog/witness-policy.js';
import { checkpointAt, latestCheckpoint, type StoredCheckpoint } from './checkpoint-store.js';
import type { AuditTables } from './tables.js';

/** The served checkpoint (note with cosignature lines), or undefined when none meets `policy`
 *  yet. The lines were verified when they were received; readers verify them again. */
export async function servedCheckpoint(db: Kysely<AuditTables>, policy: WitnessPolicy): Promise<StoredCheckpoint | undefined> {
  const ids = policy.witnesses.map((w) => `${w.name}+${w.keyHash}`);
  let cp: StoredCheckpoint | undefined;
  if (policy.quorum === 0) cp = await latestCheckpoint(db);
  else {
    const rows = await db.selectFrom('tlog_cosignatures').select(['size', 'witness', 'key_hash'])
      .where('witness', 'in', policy.witnesses.map((w) => w.name)).orderBy('size', 'desc').limit(1000).execute();
    const bySize = new Map<number, Set<string>>();
    for (const r of rows) {
      const id = `${r.witness}+${Number(r.key_hash)}`;
      if (!ids.includes(id)) continue;
      const s = bySize.get(Number(r.size)) ?? new Set<string>();
      s.add(id);
      bySize.set(Number(r.size), s);
    }
    const size = [...bySize].filter(([, s]) => s.size >= policy.quorum).map(([n]) => n).sort((a, b) => b - a)[0];
    cp = size === undefined ? undefined : await checkpointAt(db, size);
  }
  if (cp === undefined) return undefined;
  const lines = await db.selectFrom('tlog_cosignatures').select(['witness', 'key_hash', 'line']).where('size', '=', cp.size).orderBy('witness').execute();
  const extra = lines.filter((l) => ids.includes(`${l.witness}+${Number(l.key_hash)}`)).map((l) => `${l.line}\n`).join('');
  return { ...cp, note: cp.note + extra };
}
