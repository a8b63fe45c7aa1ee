// Protective measures for the affected customers, by exposure (protection-rules.ts): a
// withdrawal cool-down on new addresses, forced re-verification and the "we will never call
// you" banner. Each is a row the exchange's systems read through the API, an event they receive
// by signed webhook (through the outbox, in the same transaction), and a record on the log;
// each can be lifted. docs/design/incident.md "Protect".
import type { Selectable } from 'kysely';
import { newId } from '../access/ids.js';
import { KeyholeError } from '../shared/errors.js';
import type { Level } from '../fields/levels.js';
import type { BlastCustomer, BlastRadius } from './blast-radius.js';
import { IncidentRecorder } from './incident-record.js';
import type { Actor, IncidentDb, IncidentDeps } from './model.js';
import { enqueue } from './outbox.js';
import { PROTECTION_KINDS, protectionBasis, type ProtectionKind } from './protection-rules.js';
import type { IncidentProtectionTable } from './tables.js';

/** The default withdrawal cool-down on new addresses, in hours. */
export const DEFAULT_COOLDOWN_HOURS = 48;

/** A protective measure as the API returns it. `params.hours` is the cool-down length. */
export interface Protection {
  readonly id: string;
  readonly incidentId: string;
  readonly customerId: string;
  readonly kind: ProtectionKind;
  readonly params: Readonly<Record<string, unknown>>;
  readonly basis: readonly string[];
  readonly appliedBy: string | null;
  readonly appliedAt: string;
  readonly liftedBy: string | null;
  readonly liftedAt: string | null;
  readonly liftReason: string | null;
  readonly active: boolean;
}

/** Options of applyProtections. `webhook` says whether to queue webhook events (a protection
 *  webhook is configured). */
export interface ApplyOptions {
  readonly cooldownHours?: number | undefined;
  readonly kinds?: readonly ProtectionKind[] | undefined;
  readonly customerIds?: readonly string[] | undefined;
  readonly webhook: boolean;
}

/** Applies the measures each affected customer's exposure calls for (never twice: one measure of
 *  a kind per incident and customer). Writes in transactions of 100 customers; each measure with
 *  its `protection_apply` record and webhook event. Returns the measures created now. */
export async function applyProtections(deps: IncidentDeps, actor: Actor, blast: BlastRadius, opts: ApplyOptions): Promise<{ readonly applied: readonly Protection[]; readonly existing: number }> {
  const kinds = new Set(opts.kinds ?? PROTECTION_KINDS);
  const only = opts.customerIds ? new Set(opts.customerIds) : undefined;
  const hours = opts.cooldownHours ?? DEFAULT_COOLDOWN_HOURS;
  const targets = blast.customers.filter((c) => !only || only.has(c.customerId));
  const applied: Protection[] = [];
  let existing = 0;
  for (let i = 0; i < targets.length; i += 100) {
    const recorder = new IncidentRecorder(deps, actor);
    await deps.db.transaction().execute(async (trx) => {
      for (const c of targets.slice(i, i + 100)) {
        const basis = protectionBasis(factsOf(c));
        for (const kind of PROTECTION_KINDS) {
          if (!kinds.has(kind) || basis[kind].length === 0) continue;
          const p = await insertProtection(trx, deps, actor, blast.incidentId, c, kind, basis[kind], kind === 'withdrawal_cooldown' ? { hours, scope: 'new_addresses' } : {});
          if (p === undefined) {
            existing++;
            continue;
          }
          applied.push(p);
          await recorder.record(trx, { action: 'protection_apply', incidentId: blast.incidentId, customerId: c.customerId, details: { protectionId: p.id, kind, basis: [...p.basis], ...(kind === 'withdrawal_cooldown' ? { hours } : {}) } });
          if (opts.webhook) await enqueue(trx, [webhookEvent(p, c.accountId, 'protection.applied')], deps.clock.now());
        }
      }
    });
    recorder.publish();
  }
  return { applied, existing };
}

/** Lifts measure `id` (the customer re-verified, the cool-down is over, …).
 *  @throws KeyholeError PROTECTION_NOT_FOUND, CONFLICT when already lifted. */
export async function liftProtection(deps: IncidentDeps, actor: Actor, id: string, reason: string, webhook: boolean): Promise<Protection> {
  const recorder = new IncidentRecorder(deps, actor);
  const p = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const row = await trx.updateTable('incident_protections')
      .set({ lifted_at: now, lifted_by: actor.kind === 'agent' ? actor.agentId : null, lift_reason: reason.trim().slice(0, 500) || 'lifted' })
      .where('id', '=', id).where('lifted_at', 'is', null).returningAll().executeTakeFirst();
    if (!row) {
      const any = await trx.selectFrom('incident_protections').select('id').where('id', '=', id).executeTakeFirst();
      throw any ? new KeyholeError('CONFLICT', 'The measure was already lifted.') : new KeyholeError('PROTECTION_NOT_FOUND');
    }
    const lifted = toProtection(row);
    await recorder.record(trx, { action: 'protection_lift', incidentId: row.incident_id, customerId: row.customer_id, reason: lifted.liftReason, details: { protectionId: id, kind: row.kind } });
    if (webhook) {
      const c = await trx.selectFrom('customers').select('account_id').where('id', '=', row.customer_id).executeTakeFirst();
      await enqueue(trx, [webhookEvent(lifted, c?.account_id ?? '', 'protection.lifted')], now);
    }
    return lifted;
  });
  recorder.publish();
  return p;
}

/** A filter of listProtections; `after` pages by id. */
export interface ProtectionFilter {
  readonly customerId?: string | undefined;
  readonly incidentId?: string | undefined;
  readonly active?: boolean | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}

/** Measures matching `f`, by id. */
export async function listProtections(db: IncidentDb, f: ProtectionFilter): Promise<Protection[]> {
  let q = db.selectFrom('incident_protections').selectAll().orderBy('id').limit(f.limit);
  if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
  if (f.incidentId !== undefined) q = q.where('incident_id', '=', f.incidentId);
  if (f.active === true) q = q.where('lifted_at', 'is', null);
  if (f.active === false) q = q.where('lifted_at', 'is not', null);
  if (f.after !== undefined) q = q.where('id', '>', f.after);
  return (await q.execute()).map(toProtection);
}

/** What the exchange enforces for one customer now: the longest active cool-down (hours, or
 *  null), whether re-verification is required, whether the banner shows. */
export interface ProtectionSummary {
  readonly customerId: string;
  readonly withdrawalCooldownHours: number | null;
  readonly reverificationRequired: boolean;
  readonly neverCallBanner: boolean;
}

/** The summary of `active` measures of one customer. */
export function summarize(customerId: string, active: readonly Protection[]): ProtectionSummary {
  const hours = active.filter((p) => p.kind === 'withdrawal_cooldown').map((p) => Number(p.params.hours ?? DEFAULT_COOLDOWN_HOURS));
  return {
    customerId, withdrawalCooldownHours: hours.length > 0 ? Math.max(...hours) : null,
    reverificationRequired: active.some((p) => p.kind === 'reverification'), neverCallBanner: active.some((p) => p.kind === 'never_call_banner'),
  };
}

/** The exposure facts of a blast-radius customer (field → highest level). */
export function factsOf(c: Pick<BlastCustomer, 'fields' | 'highBalance'>): { fields: Record<string, Level>; highBalance: boolean } {
  return { fields: Object.fromEntries(c.fields.map((f) => [f.field, f.level])), highBalance: c.highBalance };
}

async function insertProtection(
  trx: IncidentDb, deps: IncidentDeps, actor: Actor, incidentId: string, c: BlastCustomer, kind: ProtectionKind, basis: readonly string[], params: Record<string, unknown>,
): Promise<Protection | undefined> {
  const row = await trx.insertInto('incident_protections').values({
    id: newId('prot'), incident_id: incidentId, customer_id: c.customerId, kind, params: JSON.stringify(params), basis: [...basis],
    applied_by: actor.kind === 'agent' ? actor.agentId : null, applied_at: deps.clock.now(), lifted_by: null, lifted_at: null, lift_reason: null,
  }).onConflict((oc) => oc.columns(['incident_id', 'customer_id', 'kind']).doNothing()).returningAll().executeTakeFirst();
  return row && toProtection(row);
}

/** The outbox message of a protection event for the exchange's webhook. */
function webhookEvent(p: Protection, accountId: string, type: 'protection.applied' | 'protection.lifted') {
  const key = `prot:${p.id}:${type === 'protection.applied' ? 'applied' : 'lifted'}`;
  return {
    idempotencyKey: key, incidentId: p.incidentId, customerId: p.customerId, channel: 'protection_webhook' as const, subject: type, body: '',
    payload: { id: key, type, createdAt: (p.liftedAt ?? p.appliedAt), protection: { ...p, accountId } },
  };
}

/** A stored row as a Protection. */
export function toProtection(r: Selectable<IncidentProtectionTable>): Protection {
  return {
    id: r.id, incidentId: r.incident_id, customerId: r.customer_id, kind: r.kind,
    params: (typeof r.params === 'string' ? JSON.parse(r.params) : r.params) as Record<string, unknown>, basis: r.basis,
    appliedBy: r.applied_by, appliedAt: r.applied_at.toISOString(), liftedBy: r.lifted_by, liftedAt: r.lifted_at?.toISOString() ?? null,
    liftReason: r.lift_reason, active: r.lifted_at === null,
  };
}
