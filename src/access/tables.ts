// Kysely table types owned by the access module (migrations/0001_core.sql).
import type { ColumnType, Generated } from 'kysely';

export interface AgentTable {
  id: string;
  name: string;
  email: string;
  role: 'agent' | 'supervisor' | 'security';
  team: string;
  vendor: string;
  regions: string[];
  status: 'active' | 'suspended';
  created_at: Date;
  suspended_at: Date | null;
}

export interface AgentSessionTable {
  id_hash: Uint8Array;
  agent_id: string;
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

/** Bearer tokens (migrations 0001, 0006): `agent` tokens act as their agent; `service` and
 *  `scim` tokens act as a named service with `scopes`. */
export interface ApiTokenTable {
  token_hash: Uint8Array;
  id: string;
  kind: ColumnType<'agent' | 'service' | 'scim', 'agent' | 'service' | 'scim' | undefined, never>;
  agent_id: string | null;
  service_name: string | null;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  label: string;
  created_at: Date;
  expires_at: Date | null;
  created_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
}

export interface CustomerTable {
  id: string;
  account_id: string;
  jurisdiction: string;
  tier: string;
  status: string;
  created_at: Date;
  is_decoy: Generated<boolean>;
  erased_at: Date | null;
  locked_at: Generated<Date | null>;
}

export interface TicketTable {
  id: string;
  customer_id: string;
  purpose: string;
  status: 'open' | 'closed';
  assignee_id: string | null;
  channel: string;
  subject: string;
  referenced_tx: Generated<string[]>;
  created_by: string | null;
  created_at: Date;
  closed_at: Date | null;
  contact_code: Generated<string | null>;
}

export interface RevealRequestTable {
  id: string;
  ticket_id: string;
  agent_id: string;
  customer_id: string;
  fields: string[];
  reason: string;
  approval: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
  decided_by: string | null;
  decided_at: Date | null;
  comment: string | null;
  created_at: Date;
  expires_at: Date;
  customer_verdict: Generated<'approved' | 'denied' | null>;
  customer_decided_at: Generated<Date | null>;
  customer_duration_min: Generated<number | null>;
}

export interface GrantTable {
  id: string;
  request_id: string;
  ticket_id: string;
  agent_id: string;
  customer_id: string;
  fields: string[];
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  revoke_reason: string | null;
  revoked_by_customer: Generated<boolean>;
}

export interface VerifyAttemptTable {
  id: Generated<number>;
  agent_id: string;
  customer_id: string;
  field: string;
  matched: boolean;
  at: Date;
}

export interface BreakGlassTable {
  id: string;
  ticket_id: string;
  agent_id: string;
  customer_id: string;
  reason: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'revoked';
  approvers: string[];
  created_at: Date;
  expires_at: Date;
  approved_at: Date | null;
}

export interface CustomerNoticeTable {
  id: Generated<number>;
  customer_id: string;
  kind: string;
  body: ColumnType<Record<string, unknown>, string, string>;
  created_at: Date;
  read_at: Date | null;
}

/** A support contact withdrawn when its agent was suspended (migrations/0050). */
export interface WithdrawnContactTable {
  id: Generated<number>;
  ticket_id: string;
  customer_id: string;
  agent_id: string;
  contact_code: string | null;
  reason: string;
  reassigned_to: string | null;
  withdrawn_at: Date;
}

/** The access module's tables. */
export interface AccessTables {
  agents: AgentTable;
  agent_sessions: AgentSessionTable;
  api_tokens: ApiTokenTable;
  customers: CustomerTable;
  tickets: TicketTable;
  reveal_requests: RevealRequestTable;
  grants: GrantTable;
  verify_attempts: VerifyAttemptTable;
  break_glass_requests: BreakGlassTable;
  customer_notices: CustomerNoticeTable;
  withdrawn_contacts: WithdrawnContactTable;
}
