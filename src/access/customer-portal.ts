// What the customer's portal shows besides receipts and consent: the active support contacts
// with their one-time contact codes ("is this really support?"), the security checkup of the
// customer's own protections, and notices (e.g. a break-glass on their data).
import type { BrokerDb } from './model.js';
import { agentPseudonym } from './pseudonym.js';
import type { Vault } from '../vault/vault.js';
import { withdrawnContactsOf } from './withdraw-contacts.js';

/** An open ticket on the customer's account, as the customer may see it. */
export interface SupportContact {
  readonly ticketId: string;
  readonly channel: string;
  readonly subject: string;
  readonly openedAt: string;
  readonly agentPseudonym: string | null;
  readonly contactCode: string | null;
}

/** The open tickets of `customerId` with the assigned agent's pseudonym and the contact code. */
export async function supportContacts(db: BrokerDb, vault: Vault, customerId: string): Promise<SupportContact[]> {
  const rows = await db.selectFrom('tickets').select(['id', 'channel', 'subject', 'created_at', 'assignee_id', 'contact_code'])
    .where('customer_id', '=', customerId).where('status', '=', 'open').orderBy('created_at', 'desc').limit(20).execute();
  return Promise.all(rows.map(async (t) => ({
    ticketId: t.id, channel: t.channel, subject: t.subject, openedAt: t.created_at.toISOString(),
    agentPseudonym: t.assignee_id ? await agentPseudonym(vault, t.assignee_id, db) : null, contactCode: t.contact_code,
  })));
}

/** A contact that is no longer from support: the agent was suspended, so a call, e-mail or
 *  message from that pseudonym or with that contact code is not from us (issue 14 item 1). */
export interface WithdrawnContact {
  readonly ticketId: string;
  readonly agentPseudonym: string;
  readonly contactCode: string | null;
  readonly withdrawnAt: string;
}

/** How long the portal keeps warning about a withdrawn contact. */
export const WITHDRAWN_WARNING_MS = 90 * 24 * 3600_000;

/** The contacts withdrawn from `customerId` in the last 90 days before `now`, newest first. */
export async function withdrawnContacts(db: BrokerDb, vault: Vault, customerId: string, now: Date): Promise<WithdrawnContact[]> {
  const rows = await withdrawnContactsOf(db, customerId, new Date(now.getTime() - WITHDRAWN_WARNING_MS));
  return Promise.all(rows.map(async (r) => ({
    ticketId: r.ticketId, agentPseudonym: await agentPseudonym(vault, r.agentId, db), contactCode: r.contactCode, withdrawnAt: r.withdrawnAt.toISOString(),
  })));
}

/** One line of the security checkup. */
export interface CheckupItem {
  readonly id: 'two_factor' | 'withdrawal_allowlist' | 'anti_phishing_code' | 'pgp_key';
  readonly status: 'good' | 'fair' | 'weak';
  readonly summary: string;
  readonly recommendation: string | null;
}

/** The scorecard: 0–100 and one item per protection (2FA: SMS < TOTP < passkey or security key). */
export interface Checkup {
  readonly score: number;
  readonly items: readonly CheckupItem[];
}

const TWO_FACTOR: Readonly<Record<string, [CheckupItem['status'], number, string, string | null]>> = {
  passkey: ['good', 40, 'Passkey sign-in: phishing-resistant.', null],
  security_key: ['good', 40, 'Hardware security key: phishing-resistant.', null],
  totp: ['fair', 25, 'Authenticator app codes.', 'Add a passkey or a hardware security key: app codes can still be phished.'],
  email: ['weak', 10, 'Codes by e-mail.', 'Switch to a passkey or an authenticator app; e-mail accounts get taken over.'],
  sms: ['weak', 5, 'Codes by SMS: exposed to SIM swaps.', 'Move off SMS to a passkey or an authenticator app, and set a port-out PIN with your carrier.'],
  none: ['weak', 0, 'No second factor.', 'Turn on a passkey or an authenticator app now.'],
};

/** Computes the checkup from the customer's own protections (read from the vault; only
 *  derived facts leave this function, never the values). */
export async function securityCheckup(db: BrokerDb, vault: Vault, customerId: string): Promise<Checkup> {
  const v = await vault.readFields(db, customerId, ['twoFactorMethod', 'withdrawalAllowlist', 'antiPhishingCode', 'pgpFingerprint']);
  const method = typeof v.get('twoFactorMethod') === 'string' ? (v.get('twoFactorMethod') as string) : 'none';
  const [tfStatus, tfPoints, tfSummary, tfRec] = TWO_FACTOR[method] ?? (TWO_FACTOR.none as [CheckupItem['status'], number, string, string | null]);
  const allowlist = Array.isArray(v.get('withdrawalAllowlist')) ? (v.get('withdrawalAllowlist') as unknown[]).length : 0;
  const phishing = typeof v.get('antiPhishingCode') === 'string';
  const pgp = typeof v.get('pgpFingerprint') === 'string';
  const items: CheckupItem[] = [
    { id: 'two_factor', status: tfStatus, summary: tfSummary, recommendation: tfRec },
    allowlist > 0
      ? { id: 'withdrawal_allowlist', status: 'good', summary: `Withdrawals only to ${allowlist} allowlisted address${allowlist === 1 ? '' : 'es'}.`, recommendation: null }
      : { id: 'withdrawal_allowlist', status: 'weak', summary: 'Withdrawals can go to any address.', recommendation: 'Turn on the withdrawal allowlist so a thief cannot send funds to a new address.' },
    phishing
      ? { id: 'anti_phishing_code', status: 'good', summary: 'Our e-mails carry your anti-phishing code.', recommendation: null }
      : { id: 'anti_phishing_code', status: 'fair', summary: 'No anti-phishing code.', recommendation: 'Set an anti-phishing code: genuine e-mails from us will always show it.' },
    pgp
      ? { id: 'pgp_key', status: 'good', summary: 'Sensitive e-mails are encrypted to your PGP key.', recommendation: null }
      : { id: 'pgp_key', status: 'fair', summary: 'No PGP key.', recommendation: 'Optional: add a PGP key to receive sensitive e-mails encrypted.' },
  ];
  const score = tfPoints + (allowlist > 0 ? 30 : 0) + (phishing ? 20 : 0) + (pgp ? 10 : 0);
  return { score, items };
}

/** The customer's notices, newest first. */
export async function customerNotices(db: BrokerDb, customerId: string) {
  const rows = await db.selectFrom('customer_notices').select(['id', 'kind', 'body', 'created_at', 'read_at']).where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc').limit(50).execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, body: r.body, createdAt: r.created_at.toISOString(), read: r.read_at !== null }));
}
