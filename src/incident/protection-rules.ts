// Which protective measures and which advice follow from what was seen: one declarative table,
// from a customer's exposure (field → highest level) and whether they hold a high balance.
// Pure and browser-safe; docs/design/incident.md "Protect" explains the choices.
import { levelRank, type Level } from '../fields/levels.js';

/** The measures the exchange's systems enforce. */
export const PROTECTION_KINDS = ['withdrawal_cooldown', 'reverification', 'never_call_banner'] as const;

/** A protective measure. */
export type ProtectionKind = (typeof PROTECTION_KINDS)[number];

/** Topics of tailored advice. */
export const ADVICE_TOPICS = ['impersonation', 'sim_swap', 'phishing', 'physical_safety', 'physical_security', 'identity_theft', 'bank_fraud'] as const;

/** One topic of advice. */
export type AdviceTopic = (typeof ADVICE_TOPICS)[number];

/** What a rule looks at: each field's highest level, and the customer's balance tier. */
export interface ExposureFacts {
  readonly fields: Readonly<Record<string, Level>>;
  readonly highBalance: boolean;
}

const atLeast = (facts: ExposureFacts, fields: readonly string[], level: Level): string[] =>
  fields.filter((f) => facts.fields[f] !== undefined && levelRank(facts.fields[f] as Level) >= levelRank(level)).map((f) => `${f}:${facts.fields[f]}`);

const CONTACT_OR_MONEY = ['email', 'phone', 'address', 'totalBalance', 'holdings', 'transactions', 'bankAccounts', 'withdrawalAllowlist'];
const IDENTITY_PROOF = ['dateOfBirth', 'address', 'governmentId', 'kycDocuments'];
const MONEY = ['totalBalance', 'holdings', 'transactions'];

/** The basis of each measure for `facts` (the exposures that call for it, e.g. `phone:masked`);
 *  a measure with an empty basis does not apply. Rules:
 *  - never_call_banner: any exposure at all (basis: every field seen);
 *  - withdrawal_cooldown: contact details or money shown at `masked` or above, or any
 *    exposure of a high-balance customer — what a social engineer needs to talk someone into a
 *    withdrawal;
 *  - reverification: identity-proof answers shown beyond `verify_only`, or name, e-mail or
 *    phone shown in full — knowledge-based checks can no longer tell the customer apart. */
export function protectionBasis(facts: ExposureFacts): Readonly<Record<ProtectionKind, readonly string[]>> {
  const all = Object.entries(facts.fields).map(([f, l]) => `${f}:${l}`);
  const cooldown = atLeast(facts, CONTACT_OR_MONEY, 'masked');
  return {
    never_call_banner: all,
    withdrawal_cooldown: cooldown.length > 0 ? cooldown : facts.highBalance && all.length > 0 ? ['tier:high_balance'] : [],
    reverification: [...atLeast(facts, IDENTITY_PROOF, 'masked'), ...atLeast(facts, ['fullName', 'email', 'phone'], 'revealed')],
  };
}

/** The advice topics for `facts`, always starting with impersonation (we never call). */
export function adviceTopics(facts: ExposureFacts): AdviceTopic[] {
  const topics: AdviceTopic[] = ['impersonation'];
  if (atLeast(facts, ['phone'], 'masked').length > 0) topics.push('sim_swap');
  if (atLeast(facts, ['email'], 'masked').length > 0) topics.push('phishing');
  if (atLeast(facts, MONEY, 'masked').length > 0 || (facts.highBalance && Object.keys(facts.fields).length > 0)) topics.push('physical_safety');
  if (atLeast(facts, ['address'], 'masked').length > 0) topics.push('physical_security');
  if (atLeast(facts, ['governmentId', 'kycDocuments', 'dateOfBirth'], 'masked').length > 0) topics.push('identity_theft');
  if (atLeast(facts, ['bankAccounts'], 'masked').length > 0) topics.push('bank_fraud');
  return topics;
}

/** The advice itself: a title and what to do, in plain words. */
export const ADVICE: Readonly<Record<AdviceTopic, { readonly title: string; readonly text: string }>> = {
  impersonation: {
    title: 'We will never call you',
    text: 'We will never call you, and never ask for your password, 2FA or SMS codes, seed phrase or private keys, or ask you to move funds to a "safe" wallet. If someone claiming to be us calls, hang up and contact us through the app.',
  },
  sim_swap: {
    title: 'Protect your phone number',
    text: 'Ask your mobile carrier for a port-out PIN or SIM lock so nobody can move your number to another SIM, and move your two-factor sign-in off SMS to a passkey or an authenticator app.',
  },
  phishing: {
    title: 'Expect convincing phishing',
    text: 'Treat unexpected e-mails about your account with suspicion. Set an anti-phishing code in your security settings: our genuine e-mails always show it. Never sign in from a link in an e-mail.',
  },
  physical_safety: {
    title: 'Keep your holdings private',
    text: 'Someone may know roughly how much you hold. Do not discuss your crypto holdings with people you do not know, be wary of unexpected contact that mentions your balance, and if you are threatened contact the police first.',
  },
  physical_security: {
    title: 'Your home address',
    text: 'Be careful with unexpected visitors, deliveries you did not order and callers who know your address. Consider asking your local police for advice if you feel unsafe.',
  },
  identity_theft: {
    title: 'Watch for identity theft',
    text: 'Consider placing a fraud alert or credit freeze with the credit agencies in your country, and watch for accounts or loans you did not open.',
  },
  bank_fraud: {
    title: 'Tell your bank',
    text: 'Let your bank know that your account details may be known to criminals, and be wary of calls claiming to be from your bank.',
  },
};

/** What a measure does, for the customer and for the exchange's staff. */
export const MEASURE_WORDS: Readonly<Record<ProtectionKind, string>> = {
  withdrawal_cooldown: 'Withdrawals to newly added addresses are held for a cool-down period before they are sent.',
  reverification: 'Before sensitive changes (e-mail, phone, 2FA, withdrawal addresses) you will be asked to verify your identity again.',
  never_call_banner: 'Your account shows a reminder that we will never call you.',
};
