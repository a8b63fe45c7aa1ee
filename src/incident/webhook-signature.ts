// Signatures of the webhooks Keyhole sends (protective measures, notifications): header
// `keyhole-signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`, the scheme
// Stripe and others use, so a receiver checks authenticity and freshness before it acts.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'keyhole-signature';

/** The signature header value of `body` (the exact bytes sent) at `timestampS` (unix seconds). */
export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** True when `header` (attacker-controlled) is a valid signature of `body` under `secret`, made
 *  within `toleranceS` seconds of `nowS` (default 300). Compares in constant time. */
export function verifyWebhook(secret: string, header: string | undefined, body: string, nowS: number, toleranceS = 300): boolean {
  if (header === undefined || header.length > 512) return false;
  const parts = new Map(header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || v1 === undefined || !/^[0-9]{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowS - Number(t)) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
