// How the security screens word an audit record: a short sentence, and its severity colour.
import type { AuditRecord } from '../api/types';
import { actionLabel } from '../common/format';
import { fieldLabel } from '../desk/fields';

/** "Failed a verification of Date of birth", "Viewed customer", … */
export function describeRecord(r: AuditRecord): string {
  const fields = Object.keys(r.fields);
  if (r.action === 'verify' && r.decision === 'allow') {
    return `${r.details.matched === true ? 'Passed' : 'Failed'} a check of ${fields.map(fieldLabel).join(', ')}`;
  }
  if (r.decision === 'deny') return `Denied: ${actionLabel(r.action).toLowerCase()}${r.reason ? ` (${r.reason})` : ''}`;
  if (r.action === 'reveal_request' || r.action === 'grant_use' || r.action === 'reveal_approve' || r.action === 'reveal_deny') {
    return `${actionLabel(r.action)}: ${fields.map(fieldLabel).join(', ')}`;
  }
  if (r.action === 'agent_suspend' || r.action === 'agent_reinstate') return `${actionLabel(r.action)} ${String(r.details.target ?? '')}`;
  return actionLabel(r.action);
}

/** red for denials and failed checks, orange for reveals, grape for suspensions, else gray. */
export function recordColor(r: AuditRecord): string {
  if (r.decision === 'deny' || (r.action === 'verify' && r.details.matched === false)) return 'red';
  if (r.action === 'grant_use' || r.action === 'reveal_approve') return 'orange';
  if (r.action === 'agent_suspend') return 'grape';
  if (r.action === 'reveal_request') return 'yellow';
  return 'gray';
}
