// One integration step, in one transaction: take a batch of acknowledged records from
// audit_pending, give them the next sequence numbers, extend the tiled Merkle tree, check the
// new tree extends the last signed checkpoint, sign a checkpoint and store entries, tiles and
// checkpoint together. Tessera's sequence → integrate → publish, with the database as storage.
// RFC 9162 §2.1, C2SP tlog-tiles and tlog-checkpoint; docs/design/audit.md.
import { sql, type Kysely } from 'kysely';
import { canonicalAuditJson, type AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import { signCheckpoint } from '../shared/tlog/checkpoint.js';
import { emptyRoot } from '../shared/tlog/hash.js';
import { integrate } from '../shared/tlog/integrate.js';
import { proveConsistency } from '../shared/tlog/proofs.js';
import { verifyConsistency } from '../shared/tlog/proof-verify.js';
import type { TileData } from '../shared/tlog/tiles.js';
import { CachedHashReader, TileLevelCache } from './cached-hash-reader.js';
import { insertCheckpoint, type StoredCheckpoint } from './checkpoint-store.js';
import { auditLeafHash, chainHash, CHAIN_START } from './leaf-hash.js';
import type { LogHead } from './log-head.js';
import type { LogIdentity } from './log-identity.js';
import type { SignGate } from './published-head.js';
import type { AuditTables } from './tables.js';
import { DbTileReader, OverlayTileReader, writeTiles } from './tile-store.js';

/** The transaction-level lock every batch takes: one batch at a time across all servers. */
export const INTEGRATE_LOCK = 7250002;

/** What a batch needs. `head` checks and remembers the latest signed checkpoint. */
export interface BatchDeps {
  readonly identity: LogIdentity;
  readonly clock: Clock;
  readonly head: LogHead;
  /** Most records taken from audit_pending in this batch. */
  readonly maxBatch: number;
  /** Called inside the transaction after everything is written, before commit (tests use it
   *  to kill a process in the middle of a batch). */
  readonly beforeCommit?: ((info: BatchInfo) => Promise<void> | void) | undefined;
  /** Asked before every signature: refuses a tree behind the checkpoint already published
   *  outside the database, or returns an operator-override record to append (published-head.ts). */
  readonly signGate?: SignGate | undefined;
  /** The leader's fencing (leader-lease.ts): `begin` runs first in the transaction, `fence`
   *  last before commit; either throws LEADER_LOST when this process no longer leads. */
  readonly fence?: { begin(trx: Kysely<any>): Promise<void>; fence(trx: Kysely<any>): Promise<void> } | undefined;
}

/** The tree before and after a batch. */
export interface BatchInfo {
  readonly fromSize: number;
  readonly newSize: number;
}

/** The outcome of a batch: how many records it sequenced, the checkpoint now latest, and
 *  whether this batch signed it. */
export interface BatchResult {
  readonly count: number;
  readonly checkpoint: StoredCheckpoint;
  readonly signed: boolean;
}

/** A record turned into its audit_log row. */
interface EntryRow {
  /** Its audit_pending id: the queue row may be deleted once this audit_log row exists; null
   *  for a record the integrator itself adds (the operator's sign-behind override). */
  readonly pendingId: number | null;
  readonly text: string;
  readonly leaf: Uint8Array;
  readonly record: AuditRecord;
}

/** Runs one batch in `trx` (a transaction the caller commits; after the commit the caller
 *  MUST tell `deps.head` about the new checkpoint with `signed`). MUST NOT sign a checkpoint that
 *  does not extend the latest stored one: the stored tiles MUST reproduce its root and a
 *  consistency proof from it to the new tree MUST verify.
 *  @throws KeyholeError LOG_VERIFY_FAILED when the stored checkpoint, tiles or chain do not
 *  check out (the transaction then rolls back and the records stay pending). */
export async function integrateBatch(trx: Kysely<AuditTables>, deps: BatchDeps): Promise<BatchResult> {
  await deps.fence?.begin(trx);
  await sql`select pg_advisory_xact_lock(${INTEGRATE_LOCK})`.execute(trx);
  const head = await deps.head.load(trx);
  if (head === undefined) {
    const checkpoint = await signGenesis(trx, deps);
    await deps.fence?.fence(trx);
    return { count: 0, checkpoint, signed: true };
  }
  const pending = await takePending(trx, deps.maxBatch);
  if (pending.length === 0) return { count: 0, checkpoint: head, signed: false };

  const rows = pending.map(toEntryRow);
  const tiles = new DbTileReader(trx);
  let result = await integrate(head.size, rows.map((r) => r.leaf), tiles, { fromRoot: head.rootHash });
  await checkExtends(head, result.newSize, result.root, result.tiles, tiles);
  const override = await deps.signGate?.check(result.newSize, result.root, prover(result.newSize, result.tiles, tiles));
  if (override !== undefined) { // the operator's override is recorded in the very checkpoint it allows
    rows.push(toEntryRow({ id: null, entry: override }));
    result = await integrate(head.size, rows.map((r) => r.leaf), tiles, { fromRoot: head.rootHash });
    await checkExtends(head, result.newSize, result.root, result.tiles, tiles);
  }
  const checkpoint = sign(deps, result.newSize, result.root);

  await insertEntries(trx, head.size, rows);
  await deletePending(trx, rows);
  await writeTiles(trx, result.tiles);
  await insertCheckpoint(trx, checkpoint, deps.clock.now());
  await deps.beforeCommit?.({ fromSize: head.size, newSize: result.newSize });
  await deps.fence?.fence(trx); // commits only while still heading the tree it read
  return { count: rows.length, checkpoint, signed: true };
}

/** Up to `limit` pending records, oldest id first (the batch lock keeps other integrators out). */
async function takePending(trx: Kysely<AuditTables>, limit: number): Promise<readonly { id: number; entry: unknown }[]> {
  const r = await sql<{ id: number; entry: unknown }>`select id, entry from audit_pending order by id limit ${limit}`.execute(trx);
  return r.rows;
}

/** Removes the integrated records from the queue. audit_pending is append-only until
 *  integrated (migrations/0010): this succeeds only after insertEntries wrote their rows. */
async function deletePending(trx: Kysely<AuditTables>, rows: readonly EntryRow[]): Promise<void> {
  await sql`delete from audit_pending where id = any(${rows.flatMap((r) => (r.pendingId === null ? [] : [r.pendingId]))}::int8[])`.execute(trx);
}

function toEntryRow(p: { id: number | null; entry: unknown }): EntryRow {
  const record = (typeof p.entry === 'string' ? JSON.parse(p.entry) : p.entry) as AuditRecord;
  const text = canonicalAuditJson(record);
  return { pendingId: p.id, text, leaf: auditLeafHash(text), record };
}

/** Proves, from the tiles as they will be after commit, that the tree of `newSize` with root
 *  `newRoot` extends `head` (RFC 9162 §2.1.4). The proof's hashes come from the same tiles
 *  that produced `newRoot` (node:crypto, a cache of this batch only); verification is the
 *  shared RFC 9162 algorithm against both roots. */
async function checkExtends(
  head: StoredCheckpoint, newSize: number, newRoot: Uint8Array, newTiles: readonly TileData[], stored: DbTileReader,
): Promise<void> {
  const proof = await prover(newSize, newTiles, stored)(head.size);
  try {
    verifyConsistency(head.size, newSize, proof, head.rootHash, newRoot);
  } catch (cause) {
    throw new KeyholeError('LOG_VERIFY_FAILED', `the tree of ${newSize} does not extend the checkpoint of ${head.size}`, {
      cause, details: { fromSize: head.size, newSize },
    });
  }
}

/** Consistency proofs from any smaller size to the tree of `newSize` as it will be after commit. */
function prover(newSize: number, newTiles: readonly TileData[], stored: DbTileReader): (from: number) => Promise<readonly Uint8Array[]> {
  const reader = new CachedHashReader(newSize, new OverlayTileReader(newTiles, stored), new TileLevelCache(64));
  return (from) => proveConsistency(from, newSize, reader);
}

function sign(deps: BatchDeps, size: number, rootHash: Uint8Array): StoredCheckpoint {
  const note = signCheckpoint({ origin: deps.identity.origin, size, rootHash }, deps.identity.signersAt(deps.clock.now()));
  return Object.freeze({ size, rootHash, note });
}

/** Inserts the entries as seq fromSize, fromSize+1, … with their leaf hashes and chain links,
 *  in one statement whose rows travel as one JSON parameter (native JSON.stringify: far less
 *  client work and garbage than nine escaped array literals). The parameter is cast to jsonb,
 *  parsed once: on `json` every `->>` re-parses its element, which doubled the insert. */
async function insertEntries(trx: Kysely<AuditTables>, fromSize: number, rows: readonly EntryRow[]): Promise<void> {
  let prev = fromSize === 0 ? CHAIN_START : (await trx.selectFrom('audit_log').select('chain_hash').where('seq', '=', fromSize - 1).executeTakeFirst())?.chain_hash;
  if (prev === undefined) throw new KeyholeError('LOG_VERIFY_FAILED', `audit_log has no entry ${fromSize - 1}`, { details: { index: fromSize - 1 } });
  const json = JSON.stringify(rows.map((r, i) => {
    prev = chainHash(prev!, r.leaf);
    const { time, agentId, customerId, ticketId, action } = r.record;
    return [fromSize + i, r.text, hex(r.leaf), hex(prev), time, agentId, customerId, ticketId, action, r.pendingId];
  }));
  await sql`
    insert into audit_log (seq, entry, leaf_hash, chain_hash, time, agent_id, customer_id, ticket_id, action, pending_id)
    select (r->>0)::int8, r->>1, decode(r->>2, 'hex'), decode(r->>3, 'hex'), (r->>4)::timestamptz, r->>5, r->>6, r->>7, r->>8, (r->>9)::int8
    from jsonb_array_elements(${json}::jsonb) as r`.execute(trx);
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The first checkpoint: of the entries already in audit_log (a log from before the tree
 *  existed), or of the empty tree. Entries MUST be contiguous from 0 and re-hash to their
 *  stored leaf hash. */
async function signGenesis(trx: Kysely<AuditTables>, deps: BatchDeps): Promise<StoredCheckpoint> {
  const leaves: Uint8Array[] = [];
  for (;;) {
    const page = await trx.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash']).where('seq', '>=', leaves.length)
      .orderBy('seq').limit(10_000).execute();
    for (const r of page) {
      const leaf = auditLeafHash(r.entry);
      if (r.seq !== leaves.length || Buffer.compare(leaf, r.leaf_hash) !== 0) {
        throw new KeyholeError('LOG_VERIFY_FAILED', `audit_log entry ${leaves.length} is missing or altered`, { details: { index: leaves.length } });
      }
      leaves.push(leaf);
    }
    if (page.length < 10_000) break;
  }
  const result = await integrate(0, leaves, new DbTileReader(trx));
  const root = leaves.length === 0 ? emptyRoot() : result.root;
  const override = await deps.signGate?.check(result.newSize, root, prover(result.newSize, result.tiles, new DbTileReader(trx)));
  // An override of the first checkpoint is recorded in the next one (it is already pending).
  if (override !== undefined) await trx.insertInto('audit_pending').values({ entry: JSON.stringify(override) }).execute();
  await writeTiles(trx, result.tiles);
  const checkpoint = sign(deps, result.newSize, root);
  await insertCheckpoint(trx, checkpoint, deps.clock.now());
  return checkpoint;
}
