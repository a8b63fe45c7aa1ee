// Kysely table types owned by the audit module (migrations/0001_core.sql).
import type { ColumnType, Generated } from 'kysely';

export interface AuditPendingTable {
  id: Generated<number>;
  /** jsonb: written as JSON text, read back as an object. */
  entry: ColumnType<Record<string, unknown>, string, never>;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  seq: number;
  entry: string;
  leaf_hash: Uint8Array;
  chain_hash: Uint8Array;
  time: Date;
  agent_id: string | null;
  customer_id: string | null;
  ticket_id: string | null;
  action: string;
  integrated_at: Generated<Date>;
}

/** The audit module's tables. */
export interface AuditTables {
  audit_pending: AuditPendingTable;
  audit_log: AuditLogTable;
}
