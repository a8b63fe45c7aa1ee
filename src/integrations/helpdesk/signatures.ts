// Verifying who sent a webhook, each the way its sender documents it, and refusing replays.
// - Zendesk: X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, timestamp + body)) with
//   X-Zendesk-Webhook-Signature-Timestamp (developer.zendesk.com, "Verifying webhook authenticity").
// - Generic: X-Keyhole-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>.
// - Freshdesk signs nothing; its webhook action sends HTTP Basic credentials, checked here.
// Comparisons are constant-time; a timestamp more than the tolerance away is stale, and a
// signature seen before (within the tolerance) is a replay.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BrokerDb } from '../../access/model.js';
import { KeyholeError } from '../../shared/errors.js';
import type { IntegrationDb } from '../tables.js';

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Checks a Zendesk signature over `body` (raw bytes) and returns the delivery's timestamp (ms).
 *  @throws KeyholeError WEBHOOK_SIGNATURE_INVALID (missing or wrong signature, unparseable
 *  timestamp), WEBHOOK_STALE (timestamp more than `toleranceMs` from `now`). */
export function verifyZendesk(secret: string, headers: Record<string, unknown>, body: Buffer, now: Date, toleranceMs: number): number {
  const sig = headers['x-zendesk-webhook-signature'];
  const ts = headers['x-zendesk-webhook-signature-timestamp'];
  if (typeof sig !== 'string' || typeof ts !== 'string' || sig.length > 200 || ts.length > 64) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
  const expected = createHmac('sha256', secret).update(ts, 'utf8').update(body).digest('base64');
  if (!equal(sig, expected)) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
  const at = Date.parse(ts);
  if (!Number.isFinite(at)) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
  if (Math.abs(now.getTime() - at) > toleranceMs) throw new KeyholeError('WEBHOOK_STALE');
  return at;
}

/** Checks a generic `X-Keyhole-Signature: t=…,v1=…` over `body`; returns the timestamp (ms).
 *  @throws KeyholeError WEBHOOK_SIGNATURE_INVALID, WEBHOOK_STALE. */
export function verifyGeneric(secret: string, headers: Record<string, unknown>, body: Buffer, now: Date, toleranceMs: number): number {
  const h = headers['x-keyhole-signature'];
  const m = typeof h === 'string' ? /^t=([0-9]{1,12}),v1=([0-9a-f]{64})$/.exec(h) : null;
  if (!m) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
  const expected = createHmac('sha256', secret).update(`${m[1]}.`, 'utf8').update(body).digest('hex');
  if (!equal(m[2] as string, expected)) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
  const at = Number(m[1]) * 1000;
  if (Math.abs(now.getTime() - at) > toleranceMs) throw new KeyholeError('WEBHOOK_STALE');
  return at;
}

/** The generic signature header of `body` at `unixSeconds` (for senders and tests). */
export function signGeneric(secret: string, body: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.`, 'utf8').update(body).digest('hex')}`;
}

/** Checks HTTP Basic credentials whose password is `secret` (any user name: Freshdesk puts the
 *  configured user there). @throws KeyholeError WEBHOOK_SIGNATURE_INVALID otherwise. */
export function verifyBasic(secret: string, headers: Record<string, unknown>): void {
  const h = headers.authorization;
  const m = typeof h === 'string' ? /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(h) : null;
  const decoded = m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0 || !equal(decoded.slice(colon + 1), secret)) throw new KeyholeError('WEBHOOK_SIGNATURE_INVALID');
}

/** Records delivery `key` of `source` as seen; deliveries older than `toleranceMs` are pruned
 *  (a stale one is refused before it gets here).
 *  @throws KeyholeError WEBHOOK_REPLAYED when the same delivery was seen before. */
export async function refuseReplay(db: BrokerDb, source: string, key: string, now: Date, toleranceMs: number): Promise<void> {
  const idb = db as unknown as IntegrationDb;
  const delivery = createHash('sha256').update(key).digest('hex');
  await idb.deleteFrom('webhook_deliveries').where('received_at', '<', new Date(now.getTime() - 2 * toleranceMs)).execute();
  const inserted = await idb.insertInto('webhook_deliveries').values({ source, delivery, received_at: now })
    .onConflict((oc) => oc.columns(['source', 'delivery']).doNothing()).returning('delivery').executeTakeFirst();
  if (!inserted) throw new KeyholeError('WEBHOOK_REPLAYED');
}
