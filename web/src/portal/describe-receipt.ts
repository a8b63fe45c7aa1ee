// Plain words for a receipt, from the customer's side: who (an agent's pseudonym, "You", or
// Keyhole itself), what they did, and the level each field was seen at. Pure functions.

const AGENT_ACTIONS: Readonly<Record<string, string>> = {
  view: 'opened your account on a ticket',
  verify: 'checked a detail you gave them (they only learn match or no match)',
  lookup: 'looked up your account',
  reveal_request: 'asked to see more of your data',
  reveal_approve: 'approved a colleague\u2019s request to see your data',
  reveal_deny: 'refused a colleague\u2019s request to see your data',
  grant_use: 'saw the full value you allowed',
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

/** What happened, after the subject: "opened your account on a ticket". */
export function describeAction(action: string, byCustomer: boolean): string {
  return (byCustomer ? CUSTOMER_ACTIONS[action] : undefined) ?? AGENT_ACTIONS[action] ?? CUSTOMER_ACTIONS[action] ?? action.replace(/_/g, ' ');
}

const LEVELS: Readonly<Record<string, { label: string; color: string }>> = {
  hidden: { label: 'hidden', color: 'gray' },
  verify_only: { label: 'checked, not shown', color: 'violet' },
  masked: { label: 'masked', color: 'blue' },
  banded: { label: 'range only', color: 'cyan' },
  revealed: { label: 'shown in full', color: 'grape' },
};

/** How a field was seen, in the customer's words, and a badge colour. */
export const levelWords = (level: string) => LEVELS[level] ?? { label: level.replace(/_/g, ' '), color: 'gray' };

const ORDER = ['revealed', 'banded', 'masked', 'verify_only'];

/** The fields worth showing, most exposed first: hidden ones are left out (nothing was seen). */
export function exposedFields(fields: Readonly<Record<string, string>>): [string, string][] {
  const rank = (l: string) => (ORDER.indexOf(l) < 0 ? ORDER.length : ORDER.indexOf(l));
  return Object.entries(fields).filter(([, l]) => l !== 'hidden').sort((a, b) => rank(a[1]) - rank(b[1]) || a[0].localeCompare(b[0]));
}
