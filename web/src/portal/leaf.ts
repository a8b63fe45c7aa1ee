// The audit record inside a receipt's leaf, parsed in the customer's browser: what the portal
// displays of a verified receipt comes from these exact bytes (the ones the log hashed), not
// from the server's convenience fields. Record shape: src/shared/audit-entry.ts (AuditRecord).

/** What the portal shows of one audit record. */
export interface LeafRecord {
  readonly time: string;
  readonly action: string;
  readonly decision: 'allow' | 'deny';
  readonly agentId: string | null;
  readonly customerId: string | null;
  readonly ticketId: string | null;
  /** Field name → the level it was decided at. */
  readonly fields: Readonly<Record<string, string>>;
  readonly reason: string | null;
  /** The access went through break-glass (two security approvers, the customer was told). */
  readonly breakGlass: boolean;
  /** The customer's own action (consent, lock, revoke). */
  readonly byCustomer: boolean;
  /** A verify's outcome (true: matched), or null for other actions. */
  readonly matched: boolean | null;
  /** A protection's kind and, for a cool-down, its length in hours (null otherwise). */
  readonly protectionKind: string | null;
  readonly hours: number | null;
}

const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Parses the leaf text of a receipt (RFC 8785 JSON of an AuditRecord v1).
 *  @throws Error with a plain message when it is not JSON or not an audit record. */
export function parseLeaf(text: string): LeafRecord {
  let j: unknown;
  try {
    j = JSON.parse(text); // attacker-controlled: whatever the server sent
  } catch {
    throw new Error('the record is not valid JSON');
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('the record is not an object');
  const r = j as Record<string, unknown>;
  if (r.v !== 1) throw new Error('the record has an unknown version');
  if (!str(r.time) || !Number.isFinite(Date.parse(r.time))) throw new Error('the record has no valid time');
  if (!str(r.action)) throw new Error('the record has no action');
  if (r.decision !== 'allow' && r.decision !== 'deny') throw new Error('the record has no decision');
  if (!strOrNull(r.agentId) || !strOrNull(r.customerId) || !strOrNull(r.ticketId) || !strOrNull(r.reason)) throw new Error('the record has a malformed id');
  const fields = r.fields && typeof r.fields === 'object' && !Array.isArray(r.fields) ? (r.fields as Record<string, unknown>) : null;
  if (!fields || !Object.values(fields).every(str)) throw new Error('the record has malformed fields');
  const details = r.details && typeof r.details === 'object' && !Array.isArray(r.details) ? (r.details as Record<string, unknown>) : {};
  return {
    time: r.time, action: r.action, decision: r.decision, agentId: r.agentId, customerId: r.customerId, ticketId: r.ticketId,
    fields: fields as Record<string, string>, reason: r.reason, breakGlass: details.breakGlass === true, byCustomer: details.actor === 'customer',
    matched: typeof details.matched === 'boolean' ? details.matched : null,
    protectionKind: str(details.kind) ? details.kind : null,
    hours: typeof details.hours === 'number' && Number.isFinite(details.hours) ? details.hours : null,
  };
}
