// How the incident screens word things: incident actions (the history), protective measures,
// field names (plus the `existence` pseudo-field of a lookup), outbox statuses and an incident's scope. Pure.
import { actionLabel, shortTime } from '../common/format';
import { fieldLabel } from '../desk/fields';
import type { Incident, IncidentAction, ProtectionKind } from './incident-api';

/** The label of a field name; `existence` is what a lookup exposed. */
export const exposedFieldLabel = (f: string) => (f === 'existence' ? 'Is a customer (lookup)' : fieldLabel(f));

export const PROTECTION_WORDS: Readonly<Record<ProtectionKind, { readonly label: string; readonly color: string; readonly explain: string }>> = {
  never_call_banner: {
    label: 'Never-call banner', color: 'blue',
    explain: 'Every affected customer: their app shows that we never call. Each one is a vishing target.',
  },
  withdrawal_cooldown: {
    label: 'Withdrawal cool-down', color: 'orange',
    explain: 'Contact details or money shown at masked or above, or any exposure of a high-balance customer: withdrawals to new addresses are held.',
  },
  reverification: {
    label: 'Re-verification', color: 'grape',
    explain: 'Date of birth, address, ID or documents beyond verify-only, or name, e-mail or phone in full: knowledge-based checks no longer tell the customer apart.',
  },
};

/** The label of a measure kind. */
export const protectionLabel = (k: string) => PROTECTION_WORDS[k as ProtectionKind]?.label ?? k.replace(/_/g, ' ');

const INCIDENT_ACTIONS: Readonly<Record<string, string>> = {
  incident_open: 'Opened the incident', incident_close: 'Closed the incident', agent_suspend: 'Suspended', protection_apply: 'Applied a measure',
  protection_lift: 'Lifted a measure', notification_queue: 'Queued notifications', notification_send: 'Sent a notification', evidence_export: 'Exported evidence',
};

/** The label of an audit or incident action. */
export const incidentActionLabel = (a: string) => INCIDENT_ACTIONS[a] ?? actionLabel(a);

/** "Security Sam" for an agent id, "system (detector)" for `system:detector`. */
export function actorName(actor: string | null, names: ReadonlyMap<string, string>): string {
  if (!actor) return 'system';
  if (actor.startsWith('system:')) return `system (${actor.slice(7)})`;
  return names.get(actor) ?? actor;
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** One line of detail for a history row: who was suspended and what it ended, which measure,
 *  how many notifications, which export. */
export function actionDetail(a: IncidentAction, names: ReadonlyMap<string, string>): string {
  const d = a.details;
  switch (a.action) {
    case 'incident_open':
      return `${str(d.reason) || ''}${Array.isArray(d.agents) ? ` · scope: ${(d.agents as string[]).map((x) => names.get(x) ?? x).join(', ')}` : ''}`;
    case 'agent_suspend':
      return `${names.get(str(d.target)) ?? str(d.target)} — ${str(d.grantsRevoked)} grant(s) revoked, ${str(d.sessionsEnded)} session(s) ended${d.alreadySuspended === true ? ' (already suspended)' : ''}`;
    case 'protection_apply':
    case 'protection_lift':
      return `${protectionLabel(str(d.kind))} for ${str(d.customerId)}${d.reason ? ` — ${str(d.reason)}` : ''}`;
    case 'notification_queue':
      return `${str(d.channel)}: ${str(d.queued)} queued, ${str(d.alreadyQueued)} already queued (template v${str(d.templateVersion)})`;
    case 'notification_send':
      return `${str(d.channel)} to ${str(d.customerId)}`;
    case 'evidence_export':
      return `${str(d.kind).replace(/_/g, ' ')}${d.customers !== undefined ? ` · ${str(d.customers)} customers` : ''}${d.treeSize !== undefined ? ` · log size ${str(d.treeSize)}` : ''}`;
    case 'incident_close':
      return str(d.reason);
    default:
      return '';
  }
}

const ADVICE: Readonly<Record<string, string>> = {
  impersonation: 'We never call', sim_swap: 'SIM-swap protection', phishing: 'Phishing', physical_safety: 'Keep holdings private',
  physical_security: 'Home address', identity_theft: 'Identity theft', bank_fraud: 'Tell the bank',
};

/** The short title of an advice topic (the notification and the portal carry the full text). */
export const adviceLabel = (topic: string) => ADVICE[topic] ?? topic.replace(/_/g, ' ');

/** The colour of an outbox status. */
export const STATUS_COLOR: Readonly<Record<string, string>> = { pending: 'yellow', sending: 'blue', sent: 'teal', failed: 'red' };

/** "Agent Ann Lee, Bob Roe" or "Vendor B (3 agents)" with the window. */
export function scopeText(i: Incident, names: ReadonlyMap<string, string>): string {
  const who = i.scope.vendor ? `vendor ${i.scope.vendor} (${i.scope.agentIds.length} agents)` : i.scope.agentIds.map((a) => names.get(a) ?? a).join(', ');
  return `${who} · ${i.scope.since ? shortTime(i.scope.since) : 'from the start of the log'} → ${shortTime(i.scope.until)}`;
}
