// Runs a broker operation in one transaction with its audit records, and records denials.
// DESIGN.md invariant 1: the decision and its audit record commit together, before any
// response; a failure anywhere rolls both back and the caller gets an error, not data.
import type { AuditAction, AuditRecord } from '../shared/audit-entry.js';
import { appendAudit, type CoWrite } from '../audit/append.js';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';
import type { BrokerDb, BrokerDeps, RequestContext } from './model.js';

/** The parts of an audit record an operation supplies; the rest comes from the context. */
export interface RecordInput {
  readonly action: AuditAction;
  readonly customerId: string | null;
  readonly ticketId: string | null;
  readonly decision: 'allow' | 'deny';
  readonly fields?: Readonly<Record<string, string>>;
  readonly policyIds?: readonly string[];
  readonly reason?: string | null;
  readonly details?: AuditRecord['details'];
}

/** Appends audit records inside the operation's transaction; `also` is another write of the
 *  operation run in the same statement (see appendAudit). `last` marks the operation's final
 *  statement: where the transaction is its own (no group commit) its COMMIT travels with the
 *  record (appendAudit `last`); the operation MUST NOT touch the database after it. */
export interface Recorder {
  append(input: RecordInput, also?: CoWrite, last?: boolean): Promise<void>;
}

/** A request made by a customer in their portal (consent, lock): recorded with no agent. */
export interface CustomerRequestContext {
  readonly agent: null;
  readonly customerId: string;
  readonly requestId: string;
}

/** Whoever made the request. */
export type ActorContext = RequestContext | CustomerRequestContext;

/** Builds the full audit record of `input` for the request `ctx` at the deps' clock time. */
export function buildRecord(deps: BrokerDeps, ctx: ActorContext, input: RecordInput): AuditRecord {
  return {
    v: 1,
    time: deps.clock.now().toISOString(),
    requestId: ctx.requestId,
    action: input.action,
    agentId: ctx.agent?.id ?? null,
    customerId: input.customerId,
    ticketId: input.ticketId,
    decision: input.decision,
    fields: input.fields ?? {},
    policyIds: input.policyIds ?? [],
    reason: input.reason ?? null,
    details: ctx.agent === null ? { ...input.details, actor: 'customer' } : 'client' in ctx && ctx.client ? { ...input.details, net: ctx.client.net, dev: ctx.client.dev, ...(ctx.client.session ? { sess: ctx.client.session } : {}) } : (input.details ?? {}),
  };
}

/** Runs `fn` in a transaction with a recorder; publishes the records after commit. A
 *  KeyholeError thrown by `fn` whose `details.deny` is a RecordInput is recorded as a denial
 *  in its own transaction before it propagates (so refusals are on the log too). */
export async function audited<T>(deps: BrokerDeps, ctx: ActorContext, fn: (trx: BrokerDb, rec: Recorder) => Promise<T>): Promise<T> {
  const records: AuditRecord[] = [];
  let result: T;
  try {
    const work = async (tx: BrokerDb) => {
      const trx: BrokerDb = tx; // a Transaction<X> is a Kysely<X>; narrowing to AuditTables needs the Kysely type
      const rec: Recorder = {
        append: async (input, also, last) => {
          const r = buildRecord(deps, ctx, input);
          await appendAudit(trx, r, also, last === true && !deps.commits);
          records.push(r);
        },
      };
      return fn(trx, rec);
    };
    // With group commit (KEYHOLE_GROUP_COMMIT) the transaction is a savepoint of a shared one
    // that commits before this resolves; otherwise a transaction of its own.
    result = deps.commits ? await deps.commits.run(commitKey(ctx), work) : await deps.db.transaction().execute(work);
  } catch (e) {
    const deny = isKeyholeError(e) ? (e.details?.deny as RecordInput | undefined) : undefined;
    if (deny) await recordAlone(deps, ctx, deny);
    const contain = isKeyholeError(e) ? e.details?.contain : undefined;
    if (typeof contain === 'string' && deps.guard.contain && ctx.agent) await deps.guard.contain(ctx.agent, contain, ctx.requestId);
    throw e;
  }
  for (const record of records) deps.events.publish({ type: 'audit', record });
  return result;
}

/** Appends one record in its own transaction (used for denials).
 *  @throws KeyholeError AUDIT_APPEND_FAILED when it cannot be written. */
export async function recordAlone(deps: BrokerDeps, ctx: ActorContext, input: RecordInput): Promise<void> {
  const r = buildRecord(deps, ctx, input);
  if (deps.commits) await deps.commits.append(commitKey(ctx), [r]);
  else await deps.db.transaction().execute((tx) => appendAudit(tx as BrokerDb, r));
  deps.events.publish({ type: 'audit', record: r });
}

/** The group-commit lane key of a request: its agent (or customer), so one principal's
 *  requests always share a lane (see src/audit/group-commit.ts). */
function commitKey(ctx: ActorContext): string {
  return ctx.agent ? ctx.agent.id : `customer:${ctx.customerId}`;
}

/** A denial: the error the caller gets, carrying the audit record of the refusal. */
export function denial(code: ConstructorParameters<typeof KeyholeError>[0], deny: RecordInput, message?: string): KeyholeError {
  return new KeyholeError(code, message, { details: { deny } });
}
