// How the security screens word an audit record: a short sentence, and its severity colour.
import type { AuditRecord } from '../api/types';
import { actionLabel } from '../common/format';
import { fieldLabel } from '../desk/fields';

/** "Failed a verification of Date of birth", "Viewed customer", … */
export function describeRecord(r: AuditRecord, names: ReadonlyMap<string, string> = new Map()): string {
  const fields = Object.keys(r.fields);
  if (r.action === 'verify' && r.decision === 'allow') {
    return `${r.details.matched === true ? 'Passed' : 'Failed'} a check of ${fields.map(fieldLabel).join(', ')}`;
  }
  if (r.decision === 'deny') return `Denied: ${actionLabel(r.action).toLowerCase()}${r.reason ? ` (${r.reason})` : ''}`;
  if (r.action === 'reveal_request' || r.action === 'grant_use' || r.action === 'reveal_approve' || r.action === 'reveal_deny') {
    return `${actionLabel(r.action)}: ${fields.map(fieldLabel).join(', ')}`;
  }
  if (r.action === 'agent_suspend' || r.action === 'agent_reinstate') {
    const target = String(r.details.target ?? '');
    return `${r.action === 'agent_suspend' ? 'Suspended' : 'Reinstated'} ${names.get(target) ?? target}${r.reason ? `: ${r.reason}` : ''}`;
  }
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

/** The fields of a record in a few words: a list when short, counts per level otherwise
 *  ("24 fields: 9 masked, 3 banded, …"). */
export function fieldsSummary(r: AuditRecord): string {
  const entries = Object.entries(r.fields);
  if (entries.length <= 3) return entries.map(([f, l]) => `${fieldLabel(f)} (${l.replace('_', ' ')})`).join(', ');
  const counts = new Map<string, number>();
  for (const [, l] of entries) counts.set(l, (counts.get(l) ?? 0) + 1);
  return `${entries.length} fields: ${[...counts].map(([l, n]) => `${n} ${l.replace('_', ' ')}`).join(', ')}`;
}
