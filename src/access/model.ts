// The broker's domain types: the principal (an agent as loaded for one request), tickets and
// the dependencies the broker runs on. DESIGN.md "Data flow".
import type { Kysely } from 'kysely';
import type { GroupCommitter } from '../audit/group-commit.js';
import type { AuditTables } from '../audit/tables.js';
import type { Clock } from '../shared/clock.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { Vault } from '../vault/vault.js';
import type { VaultTables } from '../vault/tables.js';
import type { AccessTables } from './tables.js';
import type { AccessGuard } from './guard.js';
import type { BrokerEvents } from './events.js';

/** Staff roles. */
export type Role = 'agent' | 'supervisor' | 'security';

/** An agent as the broker sees them for one request (freshly loaded: suspension is current). */
export interface Agent {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly team: string;
  readonly vendor: string;
  readonly regions: readonly string[];
  readonly status: 'active' | 'suspended';
}

/** Everything the broker touches. */
export type BrokerDb = Kysely<AccessTables & AuditTables & VaultTables>;

/** The broker's dependencies (small seams; tests inject real local implementations). */
export interface BrokerDeps {
  readonly db: BrokerDb;
  readonly vault: Vault;
  readonly policy: PolicyEngine;
  readonly clock: Clock;
  /** The in-line guard (suspension, budgets, decoys); `allowAll` when detection is off. */
  readonly guard: AccessGuard;
  /** Notified after commit of every recorded decision (SSE, detectors). */
  readonly events: BrokerEvents;
  /** Fails closed while the audit log cannot keep up (src/audit/log-health.ts): consulted
   *  before customer data is read (view, verify, lookup). Absent: always serving. */
  readonly logGate?: { assertServing(): void };
  /** Group commit (src/audit/group-commit.ts, KEYHOLE_GROUP_COMMIT): when set, `audited`
   *  operations and lone denial records share database commits with concurrent requests; each
   *  still resolves only after the commit holding its records. Absent: one commit each. */
  readonly commits?: GroupCommitter;
  /** Grant lifetime bounds in minutes (default 15, max 60). */
  readonly grantMinutes?: { readonly default: number; readonly max: number };
}

/** Who made a request and which request it is (for the audit record). */
export interface RequestContext {
  readonly agent: Agent;
  readonly requestId: string;
  /** Hashed, non-secret fingerprints of the caller's network and device (set by the server;
   *  recorded in the audit record's `details.net` / `details.dev` for the detectors), and the
   *  code of the session the request came from (`details.sess`: a leaked screenshot's forensic
   *  mark names it, docs/design/watermark.md). */
  readonly client?: { readonly net: string; readonly dev: string; readonly session?: string | undefined } | undefined;
}
