// The audit record as it enters the transparency log: its fields, and its leaf encoding —
// RFC 8785 (JSON Canonicalization Scheme) of the record, UTF-8. Browser-safe, so a customer's
// browser can recompute the leaf hash of a receipt it was shown. docs/design/audit.md.
import canonicalize from 'canonicalize';

/** Every action Keyhole records. */
export const AUDIT_ACTIONS = [
  'view', 'verify', 'lookup', 'reveal_request', 'reveal_approve', 'reveal_deny', 'grant_use', 'grant_revoke',
  'ticket_open', 'ticket_assign', 'ticket_close', 'agent_suspend', 'agent_reinstate', 'customer_erase',
  'consent_approve', 'consent_deny', 'customer_lock', 'customer_unlock', 'break_glass_request', 'break_glass_approve', 'break_glass_deny',
  'budget_extend', 'token_create', 'token_revoke',
  'incident_open', 'incident_close', 'protection_apply', 'protection_lift', 'notification_queue', 'notification_send', 'evidence_export',
  'log_override',
  'session_start', 'watermark_tamper',
  // identity (issue 11)
  'agent_provision', 'agent_update', 'group_update', 'sign_in', 'sign_out', 'sign_in_refused', 'credential_register', 'credential_remove', 'step_up', 'step_up_refused',
  // integrations (issue 12): customer sync by a service, imports, and reads of the log by staff
  'customer_upsert', 'customer_import', 'log_read',
  // detect (issue 15): shift rosters
  'roster_update',
  // key custody (issue 19)
  'key_init', 'key_rotate', 'key_rewrap', 'key_retire',
] as const;

/** An action on the log. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One audit record. `time` is ISO 8601 UTC with milliseconds; `fields` maps each field the
 *  decision concerned to the level it was decided at; `policyIds` are the Cedar policies that
 *  decided; `details` holds non-secret action specifics (never a customer field value). */
export interface AuditRecord {
  readonly v: 1;
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
  readonly details: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

/** The leaf data of `record`: RFC 8785 canonical JSON, UTF-8 encoded. Two records with equal
 *  content always encode to the same bytes, whatever their key order.
 *  @throws TypeError when the record holds a value JSON cannot represent (NaN, Infinity). */
export function encodeAuditLeaf(record: AuditRecord): Uint8Array {
  const text = canonicalize(record);
  if (text === undefined) throw new TypeError('audit record is not serializable');
  return new TextEncoder().encode(text);
}

/** The canonical JSON text of `record` (the UTF-8 decoding of `encodeAuditLeaf`). */
export function canonicalAuditJson(record: AuditRecord): string {
  const text = canonicalize(record);
  if (text === undefined) throw new TypeError('audit record is not serializable');
  return text;
}
