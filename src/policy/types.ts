// The shapes the policy engine takes and returns: the principal, ticket and customer facts of
// one request, the per-field levels of a view, and the allow/deny of every other action.
// DESIGN.md "Data flow" (policy: one decision per view → level per field + reasons).
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import type { Level } from '../fields/levels.js';

/** Staff roles, as in the `agents.role` column and the Cedar `Keyhole::Role` enum. */
export type StaffRole = 'agent' | 'supervisor' | 'security';

/** The principal: a member of support staff as freshly loaded for this request. */
export interface PolicyAgent {
  readonly id: string;
  readonly role: StaffRole;
  readonly team: string;
  readonly vendor: string;
  /** Jurisdictions (e.g. `DE`) this agent may serve. */
  readonly regions: readonly string[];
  readonly suspended: boolean;
  /** Under suspicion: reveals need security approval (later issue). Default false. */
  readonly stepUp?: boolean;
}

/** The ticket the request goes through (the only way to a customer). */
export interface PolicyTicket {
  readonly id: string;
  readonly purpose: Purpose;
  readonly status: 'open' | 'closed';
  /** null while unassigned. */
  readonly assigneeId: string | null;
  /** A live break-glass (two security approvers) opens a locked customer on this ticket. */
  readonly breakGlass?: boolean;
}

/** The customer behind the ticket. `locked`: the customer's privacy lock. */
export interface PolicyCustomer {
  readonly id: string;
  readonly jurisdiction: string;
  readonly locked: boolean;
}

/** One view of a customer through a ticket. */
export interface ViewInput {
  readonly agent: PolicyAgent;
  readonly ticket: PolicyTicket;
  readonly customer: PolicyCustomer;
  /** Fields with a live grant of this agent on this ticket. */
  readonly grantedFields: readonly FieldName[];
}

/** The level of one field and the ids of the policies that decided it (the permit that allowed
 *  the view, plus any forbid that lowered this field); `[]` for a field the purpose hides. */
export interface FieldDecision {
  readonly level: Level;
  readonly policyIds: readonly string[];
}

/** The one decision of a view. When `allowed` is false every field is `hidden`. */
export interface ViewDecision {
  readonly allowed: boolean;
  /** The policies that determined allow/deny of the gate (`[]` = denied by default). */
  readonly policyIds: readonly string[];
  readonly fields: Readonly<Record<FieldName, FieldDecision>>;
  /** Cedar errors (any error denies); never contains customer values. */
  readonly errors: readonly string[];
}

interface TicketAction {
  readonly agent: PolicyAgent;
  readonly ticket: PolicyTicket;
  readonly customer: PolicyCustomer;
  /** The fields the action is about (verify: one; request/approve/deny reveal: ≥ 1). Default []. */
  readonly fields?: readonly FieldName[];
}

/** Any action but a view. `lookup` asks for a ticket that would be opened (assigned to the agent). */
export type ActionInput =
  | (TicketAction & { readonly action: 'lookup' | 'verify' | 'request_reveal' | 'close_ticket' })
  /** `requester`: the agent who asked (their vendor and regions scope who may decide). */
  | (TicketAction & { readonly action: 'approve_reveal' | 'deny_reveal'; readonly requester: PolicyAgent })
  | (TicketAction & { readonly action: 'assign_ticket'; readonly assigneeId: string })
  | { readonly action: 'suspend_agent'; readonly agent: PolicyAgent; readonly targetId: string };

/** The action names of ActionInput. */
export type ActionName = ActionInput['action'];

/** The decision on one action. */
export interface Decision {
  readonly allowed: boolean;
  /** The policies that determined it: permits on allow, forbids on deny, `[]` = default deny. */
  readonly policyIds: readonly string[];
  readonly errors: readonly string[];
}
