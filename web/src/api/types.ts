// The shapes of the Keyhole API as the console uses them (src/server/schemas.ts and the route
// files are the source of truth; these mirror their response schemas). No field value is ever
// typed more precisely than `Rendered`: the console shows what the server rendered.

export type Role = 'agent' | 'supervisor' | 'security';
export type Level = 'hidden' | 'verify_only' | 'masked' | 'banded' | 'revealed';

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

/** GET /v1/me: the agent, the session code (watermark) and the server clock. */
export interface Me extends Agent {
  readonly sessionCode: string;
  readonly serverTime: string;
}

export interface Ticket {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: string;
  readonly status: 'open' | 'closed';
  readonly assigneeId: string | null;
  readonly channel: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
  /** The one-time code the customer's portal shows for this open ticket ("is this really support?"). */
  readonly contactCode?: string | null;
}

/** A value as the server rendered it (masked, banded or revealed). */
export type Rendered = string | number | boolean | null | readonly Rendered[] | { readonly [key: string]: Rendered };

export interface FieldView {
  readonly name: string;
  readonly level: Level;
  readonly value: Rendered;
  readonly verifiable: boolean;
  readonly revealable: boolean;
  readonly grantExpiresAt: string | null;
}

export interface CustomerView {
  readonly ticketId: string;
  readonly customerId: string;
  readonly purpose: string;
  readonly fields: readonly FieldView[];
  readonly grantsUsed: readonly string[];
}

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

export interface RevealRequest {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly fields: readonly string[];
  readonly reason: string;
  readonly approval: string;
  readonly status: RequestStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly comment: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly grant: { readonly id: string; readonly expiresAt: string; readonly usedAt: string | null; readonly revokedAt: string | null } | null;
  readonly agentName?: string;
  readonly ticketSubject?: string;
  readonly ticketPurpose?: string;
  readonly decidedByName?: string | null;
}

export interface VerifyResult {
  readonly match: boolean;
  readonly attemptsLeft: number;
}

export type AuditAction =
  | 'view' | 'verify' | 'lookup' | 'reveal_request' | 'reveal_approve' | 'reveal_deny' | 'grant_use' | 'grant_revoke'
  | 'ticket_open' | 'ticket_assign' | 'ticket_close' | 'agent_suspend' | 'agent_reinstate' | 'customer_erase';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'view', 'verify', 'lookup', 'reveal_request', 'reveal_approve', 'reveal_deny', 'grant_use', 'grant_revoke',
  'ticket_open', 'ticket_assign', 'ticket_close', 'agent_suspend', 'agent_reinstate', 'customer_erase',
];

/** One audit record (never a field value). */
export interface AuditRecord {
  readonly time: string;
  readonly requestId: string;
  readonly action: AuditAction;
  readonly agentId: string | null;
  readonly customerId: string | null;
  readonly ticketId: string | null;
  readonly decision: 'allow' | 'deny';
  readonly fields: Readonly<Record<string, string>>;
  readonly policyIds: readonly string[];
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AgentActivity {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly team: string;
  readonly vendor: string;
  readonly status: 'active' | 'suspended';
  readonly viewsLastHour: number;
  readonly views: number;
  readonly customers: number;
  readonly reveals: number;
  readonly revealRequests: number;
  readonly denials: number;
  readonly failedVerifies: number;
  readonly lastSeenAt: string | null;
}

export interface ActivityResponse {
  readonly from: string;
  readonly to: string;
  readonly bucketMinutes: number;
  readonly buckets: readonly string[];
  readonly series: readonly { readonly key: string; readonly label: string; readonly total: number; readonly counts: readonly number[] }[];
}

export interface AuditPage {
  readonly entries: readonly { readonly seq: number | null; readonly record: AuditRecord }[];
  readonly nextBefore: number | null;
}

/** A break-glass request (GET /v1/break-glass): the only way past a customer's privacy lock. */
export interface BreakGlass {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly reason: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | 'revoked';
  readonly approvers: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** GET /v1/reveal-requests/{id}/context: what a decider needs beside the request. */
export interface ApprovalContext {
  readonly requestId: string;
  readonly ticket: { readonly id: string; readonly subject: string; readonly purpose: string; readonly channel: string; readonly status: string; readonly createdAt: string };
  readonly verification: readonly { readonly field: string; readonly matched: boolean; readonly at: string }[];
  readonly recent: { readonly reveals: number; readonly requests: number; readonly denied: number };
  readonly risk: { readonly score: number; readonly level: string } | null;
  readonly consent: { readonly needed: boolean; readonly verdict: 'approved' | 'denied' | null };
}
