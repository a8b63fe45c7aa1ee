// Containment: suspend an agent automatically — status, grants revoked, sessions ended, pending
// reveal requests cancelled (access/agents.ts) — and open a containment record (the incident
// module of issue 7 starts from it), with an `agent_suspend` record on the audit log, all in
// one transaction. docs/design/detect.md "Response".
import type { Kysely } from 'kysely';
import { suspendInTransaction } from '../access/agents.js';
import { newId } from '../access/ids.js';
import type { BrokerDb } from '../access/model.js';
import type { AccessTables } from '../access/tables.js';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { VaultTables } from '../vault/tables.js';
import type { DetectTables } from './tables.js';

/** The database detection writes to: the broker's tables and its own. */
export type DetectDb = Kysely<AccessTables & AuditTables & VaultTables & DetectTables>;

/** What a containment needs. `evidence` is non-secret (signals: seqs, figures, baselines). */
export interface ContainInput {
  readonly agentId: string;
  readonly source: 'guard' | 'detector';
  readonly reason: string;
  readonly triggerSeq: number | null;
  readonly requestId: string | null;
  readonly evidence: unknown;
  readonly now: Date;
}

/** An opened containment. `record` is its audit record (to publish after commit). */
export interface Containment {
  readonly id: string;
  readonly agentId: string;
  readonly grantsRevoked: number;
  readonly sessionsEnded: number;
  readonly record: AuditRecord;
}

/** Suspends `input.agentId` and opens a containment inside `trx`. Returns undefined (and does
 *  nothing) when the agent does not exist or is already suspended, so a containment is opened
 *  once however many detectors ask for it. */
export async function containInTransaction(trx: DetectDb, input: ContainInput): Promise<Containment | undefined> {
  const agent = await trx.selectFrom('agents').select('status').where('id', '=', input.agentId).forUpdate().executeTakeFirst();
  if (!agent || agent.status === 'suspended') return undefined;
  const id = newId('cnt');
  const s = await suspendInTransaction(trx as unknown as BrokerDb, input.agentId, input.now, { agentId: null, requestId: input.requestId ?? id });
  await trx.insertInto('detect_containments').values({
    id, agent_id: input.agentId, source: input.source, reason: input.reason, trigger_seq: input.triggerSeq, request_id: input.requestId,
    evidence: JSON.stringify(input.evidence), grants_revoked: s.grantsRevoked, sessions_ended: s.sessionsEnded, opened_at: input.now, closed_at: null,
  }).execute();
  const record: AuditRecord = {
    v: 1, time: input.now.toISOString(), requestId: input.requestId ?? id, action: 'agent_suspend', agentId: null, customerId: null, ticketId: null,
    decision: 'allow', fields: {}, policyIds: [], reason: input.reason,
    details: { target: input.agentId, by: 'detect', source: input.source, containmentId: id, grantsRevoked: s.grantsRevoked, sessionsEnded: s.sessionsEnded, ticketsWithdrawn: s.ticketsWithdrawn },
  };
  await appendAudit(trx, record);
  return { id, agentId: input.agentId, grantsRevoked: s.grantsRevoked, sessionsEnded: s.sessionsEnded, record };
}
