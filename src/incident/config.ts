// Incident-response configuration from the environment: the SMTP server and sender of customer
// e-mails, the exchange's notification and protection webhooks with their HMAC secrets, the
// exchange's name and the DPO contact. URLs and secrets are never logged.
import { KeyholeError } from '../shared/errors.js';

/** A webhook target: URL and HMAC secret. */
export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** The configuration. Unset channels are not delivered (their messages are not queued). */
export interface IncidentConfig {
  readonly smtp: { readonly url: string; readonly from: string } | null;
  readonly notifyWebhook: WebhookTarget | null;
  readonly protectionWebhook: WebhookTarget | null;
  readonly exchange: string;
  readonly messageIdDomain: string;
  readonly dpoContact: string | null;
  /** Run the outbox sender inside `keyhole serve` (default true when a channel is configured). */
  readonly runSender: boolean;
}

/** Reads KEYHOLE_SMTP_URL + KEYHOLE_NOTIFY_FROM, KEYHOLE_NOTIFY_WEBHOOK (+ _SECRET),
 *  KEYHOLE_PROTECTION_WEBHOOK (+ _SECRET), KEYHOLE_EXCHANGE_NAME, KEYHOLE_DPO_CONTACT and
 *  KEYHOLE_OUTBOX_SENDER (`0` turns the in-server sender off).
 *  @throws KeyholeError BAD_REQUEST when a webhook has no secret, or a URL is not http(s)/smtp(s). */
export function incidentConfigFromEnv(env: Readonly<Record<string, string | undefined>>): IncidentConfig {
  const v = (k: string) => env[k]?.trim() || undefined;
  const smtpUrl = v('KEYHOLE_SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_SMTP_URL must be an smtp:// or smtps:// URL.');
  const from = v('KEYHOLE_NOTIFY_FROM') ?? 'Security <security@keyhole.example>';
  const exchange = v('KEYHOLE_EXCHANGE_NAME') ?? 'Keyhole Exchange';
  return {
    smtp: smtpUrl === undefined ? null : { url: smtpUrl, from },
    notifyWebhook: webhook(v('KEYHOLE_NOTIFY_WEBHOOK'), v('KEYHOLE_NOTIFY_WEBHOOK_SECRET'), 'KEYHOLE_NOTIFY_WEBHOOK'),
    protectionWebhook: webhook(v('KEYHOLE_PROTECTION_WEBHOOK'), v('KEYHOLE_PROTECTION_WEBHOOK_SECRET'), 'KEYHOLE_PROTECTION_WEBHOOK'),
    exchange, messageIdDomain: /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'keyhole.example',
    dpoContact: v('KEYHOLE_DPO_CONTACT') ?? null,
    runSender: v('KEYHOLE_OUTBOX_SENDER') !== '0',
  };
}

function webhook(url: string | undefined, secret: string | undefined, name: string): WebhookTarget | null {
  if (url === undefined) return null;
  if (!/^https?:\/\//.test(url)) throw new KeyholeError('BAD_REQUEST', `${name} must be an http(s) URL.`);
  if (secret === undefined || secret.length < 16) throw new KeyholeError('BAD_REQUEST', `${name}_SECRET must be set (at least 16 characters).`);
  return { url, secret };
}
