// Kysely table types owned by the detect module (migrations/0003_detect.sql).
import type { ColumnType, Generated } from 'kysely';

export interface DetectAgentProfileTable {
  agent_id: string;
  shift_start_min: number;
  shift_minutes: number;
  work_days: Generated<number>;
  updated_at: Date;
}

export interface DetectBudgetTouchTable {
  agent_id: string;
  customer_id: string;
  last_at: Date;
}

export interface DetectBudgetEventTable {
  id: Generated<number>;
  agent_id: string;
  kind: 'lookup' | 'reveal';
  at: Date;
}

export interface DetectBudgetExtensionTable {
  id: string;
  agent_id: string;
  budget: 'customersPerHour' | 'customersPerShift' | 'revealsPerShift' | 'lookupsPerHour';
  extra: number;
  granted_by: string;
  reason: string;
  created_at: Date;
  expires_at: Date;
}

export interface DetectOffsetTable {
  consumer: string;
  last_seq: number;
  updated_at: Date;
}

export interface DetectStateTable {
  consumer: string;
  key: string;
  /** jsonb: written as JSON text, read back as a value. */
  state: ColumnType<unknown, string, string>;
}

export interface DetectAgentRiskTable {
  agent_id: string;
  risk: number;
  risk_at: Date;
  level: 'none' | 'alert' | 'step_up' | 'contain';
  step_up: Generated<boolean>;
  last_seq: number;
}

export interface DetectAlertTable {
  id: string;
  agent_id: string;
  kind: 'alert' | 'step_up' | 'contain' | 'budget' | 'decoy';
  risk: number;
  at: Date;
  seq: number | null;
  summary: string;
  explanation: ColumnType<unknown, string, string>;
  created_at: Date;
}

export interface DetectContainmentTable {
  id: string;
  agent_id: string;
  source: 'guard' | 'detector';
  reason: string;
  trigger_seq: number | null;
  request_id: string | null;
  evidence: ColumnType<unknown, string, string>;
  grants_revoked: number;
  sessions_ended: number;
  opened_at: Date;
  status: Generated<'open' | 'closed'>;
  closed_at: Date | null;
}

/** One agent's budget counters (migration 0040): customer id → last touch and the times of
 *  counted lookups and reveal requests, all epoch ms, inside their windows. */
export interface DetectBudgetCounterTable {
  agent_id: string;
  touches: Record<string, number> | string;
  lookups: number[] | string;
  reveals: number[] | string;
}

/** The detect module's tables. */
export interface DetectTables {
  detect_agent_profiles: DetectAgentProfileTable;
  detect_budget_touches: DetectBudgetTouchTable;
  detect_budget_events: DetectBudgetEventTable;
  detect_budget_counters: DetectBudgetCounterTable;
  detect_budget_extensions: DetectBudgetExtensionTable;
  detect_offsets: DetectOffsetTable;
  detect_state: DetectStateTable;
  detect_agent_risk: DetectAgentRiskTable;
  detect_alerts: DetectAlertTable;
  detect_containments: DetectContainmentTable;
}
