// Audit records and detector alerts as OCSF 1.3 events (schema.ocsf.io), the shape SIEMs
// ingest: Datastore Activity (6005) for data access, API Activity (6003) for ticket workflow,
// Account Change (3001) for staff accounts, tokens and containments, Authentication (3002) for
// sign-ins, Incident Finding (2005) for incidents, Detection Finding (2004) for alerts. Each log
// event carries its log index (`metadata.sequence`) and leaf hash (`unmapped.keyhole.leaf_hash`)
// so the SIEM copy can be checked against the log. Never a customer value: records hold none
// (src/shared/audit-entry.ts), and alerts contribute only their summary and figures.
// docs/ocsf.md is the mapping table.
import type { AuditRecord } from '../../shared/audit-entry.js';

/** OCSF schema version emitted. */
export const OCSF_VERSION = '1.3.0';

/** One integrated log entry: its index, canonical JSON and RFC 6962 leaf hash. */
export interface LogEvent {
  readonly seq: number;
  readonly entry: string;
  readonly leafHash: Uint8Array;
}

/** One detector alert (detect_alerts). `seq` is the log index of the event that raised it. */
export interface AlertEvent {
  readonly id: string;
  readonly agentId: string;
  readonly kind: string;
  readonly risk: number;
  readonly at: Date;
  readonly seq: number | null;
  readonly summary: string;
  readonly createdAt: Date;
}

interface ClassDef { readonly uid: number; readonly name: string; readonly category: number; readonly categoryName: string }
const DATASTORE: ClassDef = { uid: 6005, name: 'Datastore Activity', category: 6, categoryName: 'Application Activity' };
const API: ClassDef = { uid: 6003, name: 'API Activity', category: 6, categoryName: 'Application Activity' };
const ACCOUNT: ClassDef = { uid: 3001, name: 'Account Change', category: 3, categoryName: 'Identity & Access Management' };
const AUTHN: ClassDef = { uid: 3002, name: 'Authentication', category: 3, categoryName: 'Identity & Access Management' };
const ENTITY: ClassDef = { uid: 3004, name: 'Entity Management', category: 3, categoryName: 'Identity & Access Management' };
const INCIDENT: ClassDef = { uid: 2005, name: 'Incident Finding', category: 2, categoryName: 'Findings' };
const DETECTION: ClassDef = { uid: 2004, name: 'Detection Finding', category: 2, categoryName: 'Findings' };

/** The OCSF class and activity of each action: [class, activity_id, activity_name]. Actions not
 *  listed (added later) map to API Activity, Other (99). */
export const ACTION_MAPPING: Readonly<Record<string, readonly [ClassDef, number, string]>> = {
  view: [DATASTORE, 1, 'Read'], grant_use: [DATASTORE, 1, 'Read'], evidence_export: [DATASTORE, 1, 'Read'],
  verify: [DATASTORE, 4, 'Query'], lookup: [DATASTORE, 4, 'Query'], log_read: [DATASTORE, 8, 'List'],
  customer_upsert: [DATASTORE, 5, 'Write'], customer_import: [DATASTORE, 5, 'Write'], customer_erase: [DATASTORE, 7, 'Delete'],
  customer_lock: [DATASTORE, 2, 'Update'], customer_unlock: [DATASTORE, 2, 'Update'],
  reveal_request: [DATASTORE, 99, 'Reveal Request'], reveal_approve: [DATASTORE, 99, 'Reveal Approve'], reveal_deny: [DATASTORE, 99, 'Reveal Deny'],
  grant_revoke: [DATASTORE, 99, 'Grant Revoke'], consent_approve: [DATASTORE, 99, 'Consent Approve'], consent_deny: [DATASTORE, 99, 'Consent Deny'],
  break_glass_request: [DATASTORE, 99, 'Break-Glass Request'], break_glass_approve: [DATASTORE, 99, 'Break-Glass Approve'], break_glass_deny: [DATASTORE, 99, 'Break-Glass Deny'],
  ticket_open: [API, 1, 'Create'], ticket_assign: [API, 3, 'Update'], ticket_close: [API, 3, 'Update'], log_override: [API, 99, 'Log Override'],
  agent_suspend: [ACCOUNT, 5, 'Disable'], agent_reinstate: [ACCOUNT, 2, 'Enable'], token_create: [ACCOUNT, 99, 'Token Create'],
  token_revoke: [ACCOUNT, 99, 'Token Revoke'], budget_extend: [ACCOUNT, 7, 'Attach Policy'],
  incident_open: [INCIDENT, 1, 'Create'], incident_close: [INCIDENT, 3, 'Close'], protection_apply: [INCIDENT, 2, 'Update'],
  protection_lift: [INCIDENT, 2, 'Update'], notification_queue: [INCIDENT, 2, 'Update'], notification_send: [INCIDENT, 2, 'Update'],
  agent_provision: [ACCOUNT, 1, 'Create'], agent_update: [ACCOUNT, 99, 'Update'], group_update: [ACCOUNT, 99, 'Group Update'],
  credential_register: [ACCOUNT, 10, 'MFA Factor Enable'], credential_remove: [ACCOUNT, 11, 'MFA Factor Disable'],
  session_start: [AUTHN, 1, 'Logon'], sign_in: [AUTHN, 1, 'Logon'], sign_in_refused: [AUTHN, 1, 'Logon'], sign_out: [AUTHN, 2, 'Logoff'],
  step_up: [AUTHN, 99, 'Step-Up'], step_up_refused: [AUTHN, 99, 'Step-Up'],
  roster_update: [ACCOUNT, 99, 'Attribute Update'],
  watermark_tamper: [DETECTION, 1, 'Create'],
  key_init: [ENTITY, 1, 'Create'], key_rotate: [ENTITY, 3, 'Update'], key_rewrap: [ENTITY, 3, 'Update'], key_retire: [ENTITY, 4, 'Delete'],
};

function classOf(action: string): readonly [ClassDef, number, string] {
  const known = ACTION_MAPPING[action];
  if (known) return known;
  if (/^(sign_in|login|session_start|step_up)/.test(action)) return [AUTHN, 1, 'Logon'];
  if (/^(sign_out|logout|session_end)/.test(action)) return [AUTHN, 2, 'Logoff'];
  return [API, 99, 'Other'];
}

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'] as const;
const HIGH = new Set(['agent_suspend', 'log_override', 'incident_open', 'customer_erase', 'break_glass_approve', 'watermark_tamper']);

function severityOf(r: AuditRecord): number {
  if (HIGH.has(r.action)) return 4;
  return r.decision === 'deny' ? 3 : 1;
}

const product = { name: 'Keyhole', vendor_name: 'Keyhole', version: '0.1.0' };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The OCSF event of log entry `e`.
 *  @throws SyntaxError when the entry is not JSON (a corrupted log; the verifier reports it). */
export function ocsfFromLog(e: LogEvent): Record<string, unknown> {
  const r = JSON.parse(e.entry) as AuditRecord;
  const [cls, activity, activityName] = classOf(r.action);
  const severity = severityOf(r);
  const actor = r.agentId !== null
    ? { user: { uid: r.agentId, type_id: 1, type: 'User' } }
    : { user: { uid: String(r.details.service ?? r.details.via ?? r.details.actor ?? 'keyhole'), type_id: 3, type: 'System' } };
  return {
    class_uid: cls.uid, class_name: cls.name, category_uid: cls.category, category_name: cls.categoryName,
    activity_id: activity, activity_name: activityName, type_uid: cls.uid * 100 + activity, type_name: `${cls.name}: ${activityName}`,
    time: Date.parse(r.time), severity_id: severity, severity: SEVERITY[severity],
    status_id: r.decision === 'allow' ? 1 : 2, status: r.decision === 'allow' ? 'Success' : 'Failure',
    message: `${r.action} ${r.decision}${r.reason ? `: ${r.reason}` : ''}`,
    metadata: { version: OCSF_VERSION, product, log_name: 'keyhole-audit', sequence: e.seq, uid: `keyhole-log-${e.seq}`, correlation_uid: r.requestId },
    actor,
    ...(cls === INCIDENT || cls === DETECTION ? { finding_info: { uid: String(r.details.incidentId ?? r.requestId), title: r.action, types: [cls === INCIDENT ? 'keyhole_incident' : 'keyhole_detection'] } } : {}),
    unmapped: { keyhole: {
      log_index: e.seq, leaf_hash: hex(e.leafHash), action: r.action, decision: r.decision, customer_id: r.customerId, ticket_id: r.ticketId,
      fields: r.fields, policy_ids: r.policyIds, reason: r.reason, details: r.details,
    } },
  };
}

/** The OCSF Detection Finding of alert `a` (not on the log: it names the log index of the
 *  event that raised it, when there is one). */
export function ocsfFromAlert(a: AlertEvent): Record<string, unknown> {
  const severity = a.kind === 'contain' || a.kind === 'decoy' ? 5 : a.risk >= 80 ? 4 : 3;
  return {
    class_uid: DETECTION.uid, class_name: DETECTION.name, category_uid: DETECTION.category, category_name: DETECTION.categoryName,
    activity_id: 1, activity_name: 'Create', type_uid: DETECTION.uid * 100 + 1, type_name: `${DETECTION.name}: Create`,
    time: a.createdAt.getTime(), severity_id: severity, severity: SEVERITY[severity], status_id: 1, status: 'New', message: a.summary,
    metadata: { version: OCSF_VERSION, product, log_name: 'keyhole-alerts', uid: a.id },
    finding_info: { uid: a.id, title: a.summary, types: [a.kind], created_time: a.createdAt.getTime() },
    risk_score: Math.round(a.risk), actor: { user: { uid: a.agentId, type_id: 1, type: 'User' } },
    unmapped: { keyhole: { alert_id: a.id, kind: a.kind, agent_id: a.agentId, event_time: a.at.getTime(), trigger_log_index: a.seq } },
  };
}
