// The seam for the in-line guard of DESIGN.md (module detect): asked before any customer data
// is read, inside the request's transaction; it may deny (fail closed) and ask for the agent
// to be contained, which the broker does after the denial is recorded.
import type { Agent, BrokerDb } from './model.js';

/** What the guard is asked about. `db` is the request's open transaction: the guard may read
 *  and write its own counters there (they commit or roll back with the request). */
export interface GuardRequest {
  readonly db: BrokerDb;
  readonly agent: Agent;
  readonly action: 'view' | 'verify' | 'lookup' | 'reveal_request';
  /** The customer touched; null for a lookup that matched no customer the agent may reach (a
   *  miss still counts against the lookup budget and is denied where a new customer would be). */
  readonly customerId: string | null;
  readonly ticketId: string | null;
  readonly isDecoy: boolean;
  readonly at: Date;
  readonly requestId: string;
  /** The value of the guard's `prefetch` column when the broker's first statement of this
   *  request carried it (a view); absent otherwise, and the guard reads for itself. */
  readonly prefetched?: unknown;
  /** Set by a caller that runs an allowing verdict's `write` itself, in a statement of its own
   *  request transaction before it commits (the view folds it into its audit append). Without
   *  it the guard writes for itself. */
  readonly deferWrite?: boolean;
}

/** A guard's write handed back to the broker (GuardRequest.deferWrite): one data-modifying SQL
 *  statement (no trailing semicolon) with parameters $1…$n. The caller MUST run it in the
 *  request's transaction before commit when it acts on the allowing verdict. */
export interface DeferredWrite {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A guard's read that the broker folds into the first statement of a view (one round trip
 *  fewer, issue 13): `column` is one SQL expression over the statement's parameters $2 (the
 *  agent id, text) and $3 (the request time, timestamptz). It may take row locks (they are held
 *  to the end of the request's transaction, as the guard's own read would). Its value goes
 *  back as GuardRequest.prefetched. */
export interface GuardPrefetch {
  readonly column: string;
}

/** The guard's answer: allow, or deny with a stable code, a reason for the audit record, and
 *  whether the agent must be contained (suspended at once). */
export type GuardVerdict =
  | { readonly allow: true; readonly write?: DeferredWrite }
  | {
      readonly allow: false; readonly code: 'AGENT_SUSPENDED' | 'BUDGET_EXCEEDED' | 'POLICY_DENIED'; readonly reason: string; readonly contain: boolean;
      /** Which rule denied (e.g. `budget:lookupsPerHour`, `decoy`) and its non-secret figures,
       *  recorded in the denial's `details.guard` and `details` for the detectors. */
      readonly rule?: string;
      readonly evidence?: Readonly<Record<string, string | number | boolean>>;
    };

/** The in-line guard. `check` MUST NOT throw for a denial (it returns one); a thrown error is
 *  treated as a denial by the broker. `contain` is called by the broker, outside the request's
 *  (rolled back) transaction and after the denial is on the log, when a verdict asked for it. */
export interface AccessGuard {
  check(req: GuardRequest): Promise<GuardVerdict>;
  contain?(agent: Agent, reason: string, requestId: string): Promise<void>;
  /** True when reveals requested by `agentId` need a security-role approver (the detectors put
   *  the agent under step-up). Read inside the decision's transaction `db`. */
  requiresStepUp?(db: BrokerDb, agentId: string): Promise<boolean>;
  /** A read to fold into a view's first statement (see GuardPrefetch). */
  readonly prefetch?: GuardPrefetch;
}

/** The minimal guard: suspended agents are denied, everything else passes (detect adds more). */
export const suspensionGuard: AccessGuard = {
  async check(req) {
    return req.agent.status === 'suspended'
      ? { allow: false, code: 'AGENT_SUSPENDED', reason: 'agent suspended', contain: false }
      : { allow: true };
  },
};
