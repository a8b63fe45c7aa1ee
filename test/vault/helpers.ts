// Shared helpers of the vault tests: customer rows, temporary key directories, byte snapshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { TestDatabase } from '../support/databases.js';
import { isKeyholeError, type ErrorCode } from '../../src/shared/errors.js';

/** Inserts a plain customer row with id `id`. */
export async function insertCustomer(db: Kysely<any>, id: string): Promise<void> {
  await sql`insert into customers (id, account_id, jurisdiction, tier, status, created_at)
    values (${id}, ${`acc-${id}`}, 'DE', 'standard', 'active', now())`.execute(db);
}

/** Opens a fresh, migrated store on `backend` before the calling suite (handing its database to
 *  `opened`) and closes it after the suite. */
export function suiteStore(backend: TestDatabase, opened: (db: Kysely<any>) => void): void {
  let cleanup: () => Promise<void> = async () => undefined;
  before(async () => {
    const o = await backend.open();
    opened(o.store.db);
    cleanup = o.cleanup;
  });
  after(() => cleanup());
}

/** A fresh temporary directory; `rm()` removes it. */
export function tempDir(prefix = 'keyhole-vault-'): { dir: string; rm: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, rm: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A predicate for assert.rejects/throws: a KeyholeError with `code`. */
export function code(c: ErrorCode): (e: unknown) => boolean {
  return (e) => isKeyholeError(e, c);
}

/** Hex of some bytes (Buffer or Uint8Array alike). */
export function hex(b: Uint8Array | null): string | null {
  return b === null ? null : Buffer.from(b).toString('hex');
}

/** Every customer_fields row as `customer|field => hex(ciphertext)`, sorted. */
export async function fieldSnapshot(db: Kysely<any>): Promise<string[]> {
  const r = await sql<{ customer_id: string; field: string; ciphertext: Uint8Array }>`
    select customer_id, field, ciphertext from customer_fields order by customer_id, field`.execute(db);
  return r.rows.map((x) => `${x.customer_id}|${x.field}=>${hex(x.ciphertext)}`);
}
