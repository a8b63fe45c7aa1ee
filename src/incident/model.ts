// The incident module's domain types and dependencies: who acts (a security engineer, the CLI,
// a detector, the outbox), an incident's scope (agents, vendor, time window) and the incident as
// stored. DESIGN.md "Know the blast radius"; docs/design/incident.md.
import type { Kysely } from 'kysely';
import type { BrokerEvents } from '../access/events.js';
import type { AccessTables } from '../access/tables.js';
import type { AuditTables } from '../audit/tables.js';
import type { Clock } from '../shared/clock.js';
import type { VaultTables } from '../vault/tables.js';
import type { IncidentTables } from './tables.js';

/** Everything the incident module reads or writes. */
export type IncidentDb = Kysely<IncidentTables & AccessTables & AuditTables & VaultTables>;

/** The dependencies of the incident operations (small seams; tests pass real local ones). */
export interface IncidentDeps {
  readonly db: IncidentDb;
  readonly clock: Clock;
  /** Notified after commit of each audit record and agent suspension (SSE, detectors). */
  readonly events?: BrokerEvents | undefined;
}

/** Who performs an incident action: a security engineer (by agent id, recorded as the audit
 *  record's agentId), or the system (the CLI operator, a detector, the outbox sender). */
export type Actor =
  | { readonly kind: 'agent'; readonly agentId: string; readonly requestId: string }
  | { readonly kind: 'system'; readonly name: 'cli' | 'detector' | 'outbox'; readonly requestId: string };

/** The records an incident covers: audit records of `agentIds` with `since` <= time <= `until`
 *  (`since` null: from the beginning). A vendor scope is resolved to its agents at opening. */
export interface IncidentScope {
  readonly agentIds: readonly string[];
  readonly vendor: string | null;
  readonly since: Date | null;
  readonly until: Date;
}

/** What an incident was opened by. */
export type IncidentSource = 'console' | 'cli' | 'detector';

/** An incident as stored. `logSize` and `logCheckpoint` are the signed log when it was opened
 *  (the evidence bundle proves the later log consistent with it). */
export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
  readonly source: IncidentSource;
  readonly status: 'open' | 'closed';
  readonly scope: IncidentScope;
  readonly openedBy: string | null;
  readonly containmentId: string | null;
  readonly logSize: number;
  readonly logCheckpoint: string | null;
  readonly openedAt: Date;
  readonly closedAt: Date | null;
  readonly closedBy: string | null;
}

/** The agent id of `actor`, or null for the system. */
export function actorAgentId(actor: Actor): string | null {
  return actor.kind === 'agent' ? actor.agentId : null;
}
