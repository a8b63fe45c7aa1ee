// `keyhole status`: the cluster as the database sees it (issue 18 part 2) — which instance leads
// the log and until when its lease runs, the newest checkpoint and its age, and the records
// waiting to be integrated. Reads only; works while the servers run (PostgreSQL).
import type { Command } from 'commander';
import { sql, type Kysely } from 'kysely';
import { readLease, type LeaseState } from '../audit/leader-lease.js';
import { openStore } from '../store/store.js';
import { DEFAULT_DATA_DIR } from '../server/runtime.js';
import { withStoreOptions } from './options.js';

/** What `keyhole status` reports (also its --json shape). Ages and times in seconds. */
export interface ClusterStatus {
  readonly leader: { readonly instance: string | null; readonly epoch: number; readonly valid: boolean; readonly expiresInS: number | null; readonly sinceS: number | null } | null;
  readonly checkpoint: { readonly size: number; readonly ageS: number } | null;
  readonly pending: { readonly count: number; readonly oldestAgeS: number | null };
}

/** Reads the status from `db` (database clock throughout). */
export async function clusterStatus(db: Kysely<any>): Promise<ClusterStatus> {
  const lease: LeaseState | undefined = await readLease(db).catch(() => undefined);
  const now = (await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db)).rows[0]!.now.getTime();
  const cp = (await sql<{ size: number; signed_at: Date }>`select size, signed_at from tlog_checkpoints order by size desc limit 1`.execute(db)).rows[0];
  const p = (await sql<{ n: number; oldest: Date | null }>`select count(*)::int8 as n, min(created_at) as oldest from audit_pending`.execute(db)).rows[0]!;
  const s = (d: Date | null | undefined) => (d ? Math.round((now - d.getTime()) / 100) / 10 : null);
  return {
    leader: lease ? {
      instance: lease.holder, epoch: lease.epoch, valid: lease.valid,
      expiresInS: lease.expiresAt ? -s(lease.expiresAt)! : null, sinceS: s(lease.since),
    } : null,
    checkpoint: cp ? { size: Number(cp.size), ageS: s(cp.signed_at)! } : null,
    pending: { count: Number(p.n), oldestAgeS: s(p.oldest) },
  };
}

/** The human-readable lines of `st`. */
export function formatStatus(st: ClusterStatus): string {
  const l = st.leader;
  return [
    `leader:     ${!l || !l.instance ? 'none yet' : `${l.instance} (epoch ${l.epoch}, ${l.valid ? `lease valid for ${l.expiresInS} s, leading for ${l.sinceS} s` : `lease ran out ${-(l.expiresInS ?? 0)} s ago — no leader`})`}`,
    `checkpoint: ${st.checkpoint ? `size ${st.checkpoint.size}, signed ${st.checkpoint.ageS} s ago` : 'none yet'}`,
    `pending:    ${st.pending.count} record(s)${st.pending.oldestAgeS === null ? '' : `, oldest ${st.pending.oldestAgeS} s`}`,
  ].join('\n');
}

/** Registers `keyhole status`. */
export function registerStatus(program: Command): void {
  withStoreOptions(program.command('status').description('which instance leads the log, checkpoint age, pending records'))
    .option('--json', 'print JSON')
    .action(async (o: { dataDir?: string; json?: boolean }) => {
      const url = process.env.DATABASE_URL || undefined;
      const store = await openStore({ databaseUrl: url, dataDir: url ? undefined : (o.dataDir ?? (process.env.KEYHOLE_DATA_DIR || DEFAULT_DATA_DIR)), migrate: false, poolSize: 1 });
      try {
        const st = await clusterStatus(store.db);
        console.log(o.json ? JSON.stringify(st) : formatStatus(st));
      } finally {
        await store.close();
      }
    });
}
