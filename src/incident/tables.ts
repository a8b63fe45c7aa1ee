// Kysely table types owned by the incident module (migrations/0005_incident.sql).
import type { ColumnType, Generated } from 'kysely';

export interface IncidentTable {
  id: string;
  title: string;
  reason: string;
  source: 'console' | 'cli' | 'detector';
  status: 'open' | 'closed';
  agent_ids: string[];
  vendor: string | null;
  since: Date | null;
  until: Date;
  opened_by: string | null;
  containment_id: string | null;
  log_size: number;
  log_checkpoint: string | null;
  opened_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
}

export interface IncidentActionTable {
  id: Generated<number>;
  incident_id: string;
  action: string;
  actor: string | null;
  /** jsonb: written as JSON text, read back as an object. */
  details: ColumnType<Record<string, unknown>, string, string>;
  at: Date;
}

export interface IncidentProtectionTable {
  id: string;
  incident_id: string;
  customer_id: string;
  kind: 'withdrawal_cooldown' | 'reverification' | 'never_call_banner';
  params: ColumnType<Record<string, unknown>, string, string>;
  basis: string[];
  applied_by: string | null;
  applied_at: Date;
  lifted_by: string | null;
  lifted_at: Date | null;
  lift_reason: string | null;
}

export interface IncidentTemplateTable {
  key: string;
  version: number;
  subject: string;
  body: string;
  updated_by: string | null;
  updated_at: Date;
}

export interface IncidentOutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  incident_id: string | null;
  customer_id: string | null;
  channel: 'email' | 'webhook' | 'protection_webhook';
  subject: string;
  body: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: Generated<number>;
  redelivery: Generated<boolean>;
  next_attempt_at: Date;
  claim_token: string | null;
  claimed_until: Date | null;
  sent_at: Date | null;
  provider_id: string | null;
  last_error: string | null;
  created_at: Date;
}

/** The incident module's tables. */
export interface IncidentTables {
  incidents: IncidentTable;
  incident_actions: IncidentActionTable;
  incident_protections: IncidentProtectionTable;
  incident_templates: IncidentTemplateTable;
  incident_outbox: IncidentOutboxTable;
}
