// Kysely table types of the integrations module (migrations/0030_integrations.sql): the
// exchange's customer ids and imports, helpdesk ticket links and webhook replay protection,
// and the SIEM sinks' cursors. Combined with the broker's tables in `IntegrationDb`.
import type { Kysely } from 'kysely';
import type { AccessTables, CustomerTable } from '../access/tables.js';
import type { AuditTables } from '../audit/tables.js';
import type { VaultTables } from '../vault/tables.js';

/** `customers` with the columns 0030 adds. */
export interface SyncedCustomerTable extends CustomerTable {
  external_id: string | null;
  import_id: string | null;
  import_line: number | null;
}

export interface CustomerImportTable {
  id: string;
  file_name: string;
  format: 'ndjson' | 'csv';
  line: number;
  created: number;
  updated: number;
  rejected: number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface CustomerImportRejectTable {
  import_id: string;
  line: number;
  external_id: string | null;
  reason: string;
}

export interface HelpdeskTicketTable {
  source: string;
  external_id: string;
  ticket_id: string;
  created_at: Date;
}

export interface WebhookDeliveryTable {
  source: string;
  delivery: string;
  received_at: Date;
}

export interface HelpdeskUnmatchedTable {
  source: string;
  external_id: string;
  at: Date;
}

export interface SiemCursorTable {
  sink: string;
  next_seq: number;
  alert_at: Date | null;
  alert_id: string | null;
  delivered: number;
  updated_at: Date;
}

/** The tables the integrations module reads and writes. */
export interface IntegrationTables {
  customer_imports: CustomerImportTable;
  customer_import_rejects: CustomerImportRejectTable;
  helpdesk_tickets: HelpdeskTicketTable;
  webhook_deliveries: WebhookDeliveryTable;
  helpdesk_unmatched: HelpdeskUnmatchedTable;
  siem_cursors: SiemCursorTable;
}

/** The broker's database seen with the integrations' tables. */
export type IntegrationDb = Kysely<Omit<AccessTables, 'customers'> & { customers: SyncedCustomerTable } & AuditTables & Omit<VaultTables, 'customers'> & IntegrationTables>;
