// The exchange backend's customer sync (issue 12): upsert (PUT), partial update (PATCH) and
// crypto-shredding (DELETE) of one customer by its externalId, each with one audit record
// whose actor is the calling service (`details.actor` 'service', `details.service` its name)
// and which names the fields written, never their values.
import { appendAudit } from '../../audit/append.js';
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { Clock } from '../../shared/clock.js';
import { KeyholeError } from '../../shared/errors.js';
import type { Vault } from '../../vault/vault.js';
import type { VaultDb } from '../../vault/tables.js';
import type { IntegrationDb } from '../tables.js';
import { parseCustomerRecord, RecordError } from './record.js';
import { writeCustomers } from './writer.js';

/** Who calls: a service token's service. */
export interface ServiceActor {
  readonly name: string;
  readonly tokenId: string;
  readonly requestId: string;
}

/** What the sync needs. */
export interface SyncDeps {
  readonly db: IntegrationDb;
  readonly vault: Vault;
  readonly clock: Clock;
}

/** The answer of an upsert: the Keyhole id, and whether the customer is new. */
export interface UpsertResult {
  readonly customerId: string;
  readonly externalId: string;
  readonly created: boolean;
  readonly fields: readonly string[];
}

function record(actor: ServiceActor, now: Date, action: AuditRecord['action'], customerId: string, details: AuditRecord['details']): AuditRecord {
  return {
    v: 1, time: now.toISOString(), requestId: actor.requestId, action, agentId: null, customerId, ticketId: null, decision: 'allow',
    fields: {}, policyIds: [], reason: null, details: { ...details, actor: 'service', service: actor.name, tokenId: actor.tokenId },
  };
}

/** Upserts customer `externalId` from `body` (catalog fields; attacker-controlled). `put`
 *  replaces (protected fields absent from the body are removed), `patch` sets what is given
 *  and removes fields given as null, and refuses an unknown customer.
 *  @throws KeyholeError VALIDATION_FAILED (unknown field, invalid value; the message names the
 *  field, never the value), NOT_FOUND (patch of an unknown customer), CUSTOMER_ERASED,
 *  CONFLICT (accountId of another customer), AUDIT_APPEND_FAILED. */
export async function upsertCustomer(deps: SyncDeps, actor: ServiceActor, externalId: string, body: unknown, mode: 'put' | 'patch'): Promise<UpsertResult> {
  let rec;
  try {
    const obj = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined;
    if (obj && 'externalId' in obj && (obj as { externalId: unknown }).externalId !== externalId) throw new RecordError('externalId differs from the path');
    rec = parseCustomerRecord(obj === undefined ? body : { ...obj, externalId }, { mode: 'json', allowNull: mode === 'patch' });
  } catch (e) {
    if (e instanceof RecordError) throw new KeyholeError('VALIDATION_FAILED', `Customer record refused: ${e.message}.`);
    throw e;
  }
  const now = deps.clock.now();
  try {
    return await deps.db.transaction().execute(async (trx) => {
      if (mode === 'patch') {
        const c = await trx.selectFrom('customers').select('id').where('external_id', '=', externalId).executeTakeFirst();
        if (!c) throw new KeyholeError('NOT_FOUND', 'No customer with this externalId.');
      }
      const out = await writeCustomers(trx, deps.vault, [{ line: 0, record: rec }], { mode: mode === 'put' ? 'replace' : 'merge', now });
      const rejected = out.rejected[0];
      if (rejected) throw new KeyholeError(rejected.reason === 'customer was erased' ? 'CUSTOMER_ERASED' : 'VALIDATION_FAILED', `Customer record refused: ${rejected.reason}.`);
      const done = out.created[0] ?? out.updated[0];
      if (!done) throw new KeyholeError('INTERNAL');
      const created = out.created.length === 1;
      await appendAudit(trx as never, record(actor, now, 'customer_upsert', done.customerId, {
        externalId, mode, created, fieldsWritten: done.fields, fieldsRemoved: [...rec.removed],
      }));
      return { customerId: done.customerId, externalId, created, fields: done.fields };
    });
  } catch (e) {
    if ((e as { code?: unknown }).code === '23505') throw new KeyholeError('CONFLICT', 'Another customer already has this externalId or accountId.');
    throw e;
  }
}

/** Crypto-shreds customer `externalId` (Vault.eraseCustomer) and records `customer_erase`
 *  with the service as actor, in one transaction. Idempotent: erasing again records again.
 *  @throws KeyholeError NOT_FOUND, AUDIT_APPEND_FAILED. */
export async function eraseCustomerByExternalId(deps: SyncDeps, actor: ServiceActor, externalId: string): Promise<{ customerId: string; erasedAt: Date }> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('customers').select('id').where('external_id', '=', externalId).executeTakeFirst();
    if (!c) throw new KeyholeError('NOT_FOUND', 'No customer with this externalId.');
    const erasedAt = await deps.vault.eraseCustomer(trx as unknown as VaultDb, c.id);
    await appendAudit(trx as never, record(actor, now, 'customer_erase', c.id, { externalId }));
    return { customerId: c.id, erasedAt };
  });
}
