// The directory lock (src/shared/dir-lock.ts): one process per directory, and a lock released
// while its background refresh is still checking the lock file, the directory then removed,
// does not end the process (the race behind a failed CI run of the witness tests).
import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { lockDirectory } from '../../src/shared/dir-lock.js';

/** node:fs whose stat runs `ms` late (as behind a busy thread pool): a refresh's check is then
 *  still pending for that long. */
function slowStat(ms: number): typeof fs {
  const stat = ((p: fs.PathLike, ...rest: unknown[]) => {
    const cb = rest[rest.length - 1] as (...a: unknown[]) => void;
    setTimeout(() => fs.stat(p, cb as never), ms);
  }) as typeof fs.stat;
  return { ...fs, stat };
}

describe('directory lock', () => {
  it('holds the directory against a second locker until released, then lets it in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-lock-'));
    const lockfilePath = path.join(dir, 'x.lock');
    try {
      const first = await lockDirectory(dir, { lockfilePath, stale: 10_000, update: 2_000 });
      assert.ok(existsSync(lockfilePath));
      await assert.rejects(lockDirectory(dir, { lockfilePath, stale: 10_000, update: 2_000 }), (e: NodeJS.ErrnoException) => e.code === 'ELOCKED');
      await first.release();
      await first.release(); // idempotent
      assert.equal(existsSync(lockfilePath), false);
      const second = await lockDirectory(dir, { lockfilePath, stale: 10_000, update: 2_000 });
      await second.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a refresh in flight at release (its stat then finds no lock file) does not throw', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-lock-'));
    const lock = await lockDirectory(dir, { lockfilePath: path.join(dir, 'x.lock'), stale: 2_000, update: 1_000, fs: slowStat(500) });
    try {
      await sleep(1_200); // the first refresh (at 1 s) has begun; its stat runs at ~1.5 s
      await lock.release(); // removes the lock file
      await sleep(800); // that stat finds no file (ENOENT): an uncaught "compromised" error here fails this test
      assert.equal(existsSync(path.join(dir, 'x.lock')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
