// Plain words for a receipt, from the customer's side: who (an agent's pseudonym, "You", or
// Keyhole itself), what they did, and the level each field was seen at. Pure functions.

const AGENT_ACTIONS: Readonly<Record<string, string>> = {
  view: 'opened your account on a ticket',
  verify: 'checked a detail the caller gave against your record (they only learn match or no match)',
  lookup: 'looked up your account',
  reveal_request: 'asked to see more of your data',
  reveal_approve: 'approved a colleague\u2019s request to see your data',
  reveal_deny: 'refused a colleague\u2019s request to see your data',
  grant_use: 'saw the full value, once, through an approved request',
  grant_revoke: 'ended access to your data',
  ticket_open: 'opened a support ticket for you',
  ticket_assign: 'took over your ticket',
  ticket_close: 'closed your ticket',
  break_glass_request: 'asked for emergency (break-glass) access past your privacy lock',
  break_glass_approve: 'approved emergency (break-glass) access to your data',
  break_glass_deny: 'refused emergency (break-glass) access to your data',
  budget_extend: 'extended an agent\u2019s access budget',
  incident_open: 'opened a security incident that concerns your account',
  incident_close: 'closed a security incident that concerned your account',
  protection_apply: 'put a protection on your account',
  protection_lift: 'lifted a protection from your account',
  notification_queue: 'prepared a notice to you',
  notification_send: 'sent you a notice',
  evidence_export: 'exported evidence about access to your account',
  customer_erase: 'erased your data',
};

const CUSTOMER_ACTIONS: Readonly<Record<string, string>> = {
  consent_approve: 'approved a request to see your data',
  consent_deny: 'refused a request to see your data',
  customer_lock: 'turned on the privacy lock',
  customer_unlock: 'turned off the privacy lock',
  grant_revoke: 'ended an agent\u2019s access to your data',
};

const PROTECTIONS: Readonly<Record<string, string>> = {
  withdrawal_cooldown: 'a hold on withdrawals to new addresses',
  never_call_banner: 'the "we will never call you" banner',
  reverification: 'a fresh identity check before sensitive changes',
  support_flag: 'a flag that makes support double-check anyone calling about your account',
};

/** What a receipt tells beyond its action (all optional): a verify's outcome, who approved a
 *  shown value, a protection's kind and length. */
export interface ReceiptFacts {
  readonly matched?: boolean | null;
  readonly approvedBy?: 'customer' | 'staff' | 'customer_and_staff' | null;
  readonly protectionKind?: string | null;
  readonly hours?: number | null;
}

/** What happened, after the subject: "opened your account on a ticket" — true to what the
 *  record says (issue 14 item 5): a shown value says who approved it, a check says its outcome,
 *  a protection says which one and for how long. */
export function describeAction(action: string, byCustomer: boolean, facts: ReceiptFacts = {}): string {
  const base = (byCustomer ? CUSTOMER_ACTIONS[action] : undefined) ?? AGENT_ACTIONS[action] ?? CUSTOMER_ACTIONS[action] ?? action.replace(/_/g, ' ');
  if (action === 'verify' && facts.matched != null) return `${base}: ${facts.matched ? 'it matched' : 'it did not match'}`;
  if (action === 'grant_use' && facts.approvedBy) {
    return `saw the full value once — ${facts.approvedBy === 'customer' ? 'you allowed it' : facts.approvedBy === 'customer_and_staff' ? 'a supervisor approved and you allowed it' : 'a supervisor approved it, without asking you'}`;
  }
  if ((action === 'protection_apply' || action === 'protection_lift') && facts.protectionKind) {
    const what = PROTECTIONS[facts.protectionKind] ?? facts.protectionKind.replace(/_/g, ' ');
    return action === 'protection_lift' ? `lifted ${what} from your account` : `put ${what} on your account${facts.hours ? ` for ${facts.hours} hours` : ''}`;
  }
  return base;
}

const LEVELS: Readonly<Record<string, { label: string; color: string }>> = {
  hidden: { label: 'hidden', color: 'gray' },
  verify_only: { label: 'checked, not shown', color: 'violet' },
  masked: { label: 'masked', color: 'blue' },
  banded: { label: 'range only', color: 'cyan' },
  revealed: { label: 'shown in full', color: 'grape' },
};

/** Actions that only ask for or decide on a level: nothing was seen at it (yet). */
const ASKING = new Set(['reveal_request', 'reveal_approve', 'reveal_deny', 'consent_approve', 'consent_deny', 'break_glass_request']);

/** How a field was seen, in the customer's words, and a badge colour. With `action`, the words
 *  fit what the record is: a request is "asked to see in full", not "shown in full"; a view's
 *  verify-only field was "not shown", not "checked"; a verify's field was "checked". */
export function levelWords(level: string, action?: string): { label: string; color: string } {
  if (action && ASKING.has(action) && level === 'revealed') return { label: 'asked to see in full', color: 'yellow' };
  if (action === 'verify' && level === 'verify_only') return { label: 'checked, not shown', color: 'violet' };
  if (level === 'verify_only') return { label: 'not shown (can only be checked)', color: 'gray' };
  if (action === 'grant_use' && level === 'revealed') return { label: 'shown in full, once', color: 'grape' };
  return LEVELS[level] ?? { label: level.replace(/_/g, ' '), color: 'gray' };
}

const ORDER = ['revealed', 'banded', 'masked', 'verify_only'];

/** The fields worth showing, most exposed first: hidden ones are left out (nothing was seen). */
export function exposedFields(fields: Readonly<Record<string, string>>): [string, string][] {
  const rank = (l: string) => (ORDER.indexOf(l) < 0 ? ORDER.length : ORDER.indexOf(l));
  return Object.entries(fields).filter(([, l]) => l !== 'hidden').sort((a, b) => rank(a[1]) - rank(b[1]) || a[0].localeCompare(b[0]));
}
