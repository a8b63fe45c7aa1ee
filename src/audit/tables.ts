// Kysely table types owned by the audit module: the pending queue and the log
// (migrations/0001_core.sql), the tree's tiles and the signed checkpoints (0002_tlog.sql).
import type { ColumnType, Generated } from 'kysely';

export interface AuditPendingTable {
  id: Generated<number>;
  /** jsonb: written as JSON text, read back as an object. */
  entry: ColumnType<Record<string, unknown>, string, never>;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  seq: number;
  /** RFC 8785 canonical JSON of the record: the leaf data. */
  entry: string;
  leaf_hash: Uint8Array;
  chain_hash: Uint8Array;
  time: Date;
  agent_id: string | null;
  customer_id: string | null;
  ticket_id: string | null;
  action: string;
  integrated_at: Generated<Date>;
  /** The audit_pending id it was integrated from (null for rows from before 0010). */
  pending_id: ColumnType<number | null, number | null | undefined, never>;
}

/** One C2SP tlog-tiles hash tile, latest version: `data` is width × 32 bytes. */
export interface TlogTilesTable {
  level: number;
  idx: number;
  data: Uint8Array;
}

/** One signed checkpoint: the note verbatim, with its size and root. */
export interface TlogCheckpointsTable {
  size: number;
  root: Uint8Array;
  note: string;
  signed_at: Date;
}

/** One witness cosignature line of a checkpoint (migrations/0015_witness.sql). */
export interface TlogCosignaturesTable {
  size: number;
  witness: string;
  key_hash: number;
  line: string;
  received_at: Date;
}

/** The audit module's tables. */
export interface AuditTables {
  audit_pending: AuditPendingTable;
  audit_log: AuditLogTable;
  tlog_tiles: TlogTilesTable;
  tlog_checkpoints: TlogCheckpointsTable;
  tlog_cosignatures: TlogCosignaturesTable;
}
