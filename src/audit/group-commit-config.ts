// Turning group commit on from the environment: KEYHOLE_GROUP_COMMIT=1 (or `on`/`true`), with
// optional KEYHOLE_GROUP_COMMIT_LANES (default 1; always 1 on PGlite),
// KEYHOLE_GROUP_COMMIT_MAX_BATCH (default 64) and KEYHOLE_GROUP_COMMIT_WAIT_MS (default 0: an
// idle lane flushes on the next turn of the event loop). The defaults are
// GROUP_COMMIT_DEFAULTS. Off by default. docs/design/perf.md "Group commit".
import type { Kysely } from 'kysely';
import { GROUP_COMMIT_DEFAULTS, GroupCommitter } from './group-commit.js';

const int = (v: string | undefined, dflt: number, min: number, max: number, name: string): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

/** The committer the environment asks for, or undefined when group commit is off.
 *  @throws Error when a setting is out of range (start-up stops). */
export function groupCommitFromEnv(db: Kysely<any>, env: Readonly<Record<string, string | undefined>>, concurrent: boolean): GroupCommitter | undefined {
  const on = (env.KEYHOLE_GROUP_COMMIT ?? '').toLowerCase();
  if (!['1', 'on', 'true'].includes(on)) return undefined;
  return new GroupCommitter(db, {
    lanes: concurrent ? int(env.KEYHOLE_GROUP_COMMIT_LANES, GROUP_COMMIT_DEFAULTS.lanes, 1, 64, 'KEYHOLE_GROUP_COMMIT_LANES') : 1,
    maxBatch: int(env.KEYHOLE_GROUP_COMMIT_MAX_BATCH, GROUP_COMMIT_DEFAULTS.maxBatch, 1, 10_000, 'KEYHOLE_GROUP_COMMIT_MAX_BATCH'),
    maxWaitMs: int(env.KEYHOLE_GROUP_COMMIT_WAIT_MS, GROUP_COMMIT_DEFAULTS.maxWaitMs, 0, 1_000, 'KEYHOLE_GROUP_COMMIT_WAIT_MS'),
  });
}
