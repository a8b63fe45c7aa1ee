// Formatting for the screens: times, durations, ids and the names of purposes, actions and
// approvals. Pure functions.

/** "09:41" (local time) for today's timestamps, "5 Jan 09:41" otherwise. */
export function shortTime(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const hm = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return sameDay ? hm : `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${hm}`;
}

/** "5 Jan 2026 09:41" (local time): always with its date, for records read days later. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })} ${d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
}

/** "09:41:07" (local time). */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3 min ago", "2 h ago", "just now" relative to `now` (ms). */
export function ago(iso: string, now: number): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** "in 12 min", "in 2 h" until `iso`, relative to `now` (ms); "now" when past. */
export function until(iso: string, now: number): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 30) return 'now';
  if (s < 3600) return `in ${Math.max(1, Math.round(s / 60))} min`;
  return `in ${Math.round(s / 3600)} h`;
}

/** A countdown "4:07" (m:ss) of `ms`, never negative. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const PURPOSES: Readonly<Record<string, string>> = {
  account_access: 'Account access', withdrawal_issue: 'Withdrawal issue', deposit_missing: 'Deposit missing', kyc_review: 'KYC review',
  account_closure: 'Account closure', general_inquiry: 'General inquiry', fraud_investigation: 'Fraud investigation',
};

/** The purposes an agent can open a ticket for (fraud investigations are opened by security). */
export const PURPOSE_OPTIONS = Object.entries(PURPOSES).map(([value, label]) => ({ value, label }));

/** "Withdrawal issue" for `withdrawal_issue`. */
export const purposeLabel = (p: string) => PURPOSES[p] ?? p.replace(/_/g, ' ');

const ACTIONS: Readonly<Record<string, string>> = {
  view: 'Viewed customer', verify: 'Verified a field', lookup: 'Looked up a contact', reveal_request: 'Requested a reveal',
  reveal_approve: 'Approved a reveal', reveal_deny: 'Denied a reveal', grant_use: 'Saw a revealed value', grant_revoke: 'Grant revoked',
  ticket_open: 'Opened a ticket', ticket_assign: 'Assigned a ticket', ticket_close: 'Closed a ticket', agent_suspend: 'Suspended an agent',
  agent_reinstate: 'Reinstated an agent', customer_erase: 'Erased a customer',
};

/** A sentence-case description of an audit action. */
export const actionLabel = (a: string) => ACTIONS[a] ?? a.replace(/_/g, ' ');

const APPROVALS: Readonly<Record<string, string>> = {
  supervisor: 'a supervisor', customer: 'the customer', supervisor_and_customer: 'a supervisor and the customer',
};

/** Who must approve: "a supervisor", "the customer", … */
export const approvalLabel = (a: string) => APPROVALS[a] ?? a;

/** Initials of a name, for avatars. */
export const initials = (name: string) => name.split(/\s+/).filter(Boolean).map((w) => w[0]).slice(0, 2).join('').toUpperCase();
