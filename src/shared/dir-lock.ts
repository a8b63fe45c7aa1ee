// One process per directory: a lock file (proper-lockfile) whose mtime a background timer keeps
// fresh, so a crashed holder's lock goes stale and the next process can take it. Used by the
// embedded database's data directory and by a witness's state directory.
//
// proper-lockfile 4.1.2 checks whether a lock was released only after its refresh's utimes, not
// after the stat before it: a refresh whose stat is in flight when the lock is released, and
// the directory then removed, reports the lock "compromised" (ENOENT) after the release, and
// the default report throws from a timer, ending the process. Here a report that arrives after
// release() began is ignored; one that arrives while the lock is held still throws, as before
// (a process that lost its lock must not go on writing state another process may now own).
import type fs from 'node:fs';
import lockfile from 'proper-lockfile';

/** A held directory lock. */
export interface DirectoryLock {
  /** Removes the lock file and stops refreshing it; idempotent. */
  release(): Promise<void>;
}

/** Options of lockDirectory: `stale` and `update` in ms (proper-lockfile's: a lock not refreshed
 *  for `stale` may be taken over; it is refreshed every `update`); `fs` replaces node:fs (tests). */
export interface DirectoryLockOptions {
  readonly lockfilePath: string;
  readonly stale: number;
  readonly update: number;
  readonly fs?: typeof fs;
}

/** Locks `dir` for this process (the directory must exist).
 *  @throws proper-lockfile's error (code ELOCKED) when another live process holds it. */
export async function lockDirectory(dir: string, opts: DirectoryLockOptions): Promise<DirectoryLock> {
  let releasing = false;
  const release = await lockfile.lock(dir, {
    lockfilePath: opts.lockfilePath, stale: opts.stale, update: opts.update, ...(opts.fs ? { fs: opts.fs } : {}),
    onCompromised: (err) => {
      if (releasing) return; // the refresh of a lock being released: not a compromise
      throw err;
    },
  });
  let released: Promise<void> | undefined;
  return {
    release() {
      releasing = true;
      released ??= release();
      return released;
    },
  };
}
