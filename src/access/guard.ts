// The seam for the in-line guard of DESIGN.md (module detect): asked before any customer data
// is read, inside the request's transaction; it may deny (fail closed) or contain the agent.
import type { Agent } from './model.js';

/** What the guard is asked about. */
export interface GuardRequest {
  readonly agent: Agent;
  readonly action: 'view' | 'verify' | 'lookup' | 'reveal_request';
  readonly customerId: string;
  readonly ticketId: string | null;
  readonly isDecoy: boolean;
  readonly at: Date;
}

/** The guard's answer: allow, or deny with a stable code and a reason for the audit record. */
export type GuardVerdict =
  | { readonly allow: true }
  | { readonly allow: false; readonly code: 'AGENT_SUSPENDED' | 'BUDGET_EXCEEDED'; readonly reason: string; readonly contain: boolean };

/** The in-line guard. `check` MUST NOT throw for a denial (it returns one); a thrown error is
 *  treated as a denial by the broker. */
export interface AccessGuard {
  check(req: GuardRequest): Promise<GuardVerdict>;
}

/** The minimal guard: suspended agents are denied, everything else passes (detect adds more). */
export const suspensionGuard: AccessGuard = {
  async check(req) {
    return req.agent.status === 'suspended'
      ? { allow: false, code: 'AGENT_SUSPENDED', reason: 'agent suspended', contain: false }
      : { allow: true };
  },
};
