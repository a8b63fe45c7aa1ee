// The webhook Notifier: POSTs a message's JSON payload to a configured URL, signed with
// HMAC-SHA-256 (webhook-signature.ts), with the idempotency key as `idempotency-key` so the
// receiver can drop a redelivery. Used for protective-measure events and, when configured, for
// customer notifications handed to the exchange's own messaging.
import type { Clock } from '../shared/clock.js';
import { PermanentSendError, TransientSendError, type Notifier, type OutboundMessage, type SendReceipt } from './notifier.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** The receiver and the shared secret (never logged). */
export interface WebhookNotifierOptions {
  readonly url: string;
  readonly secret: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** Delivers each message as one signed POST; 2xx is success. */
export class WebhookNotifier implements Notifier {
  readonly #opts: WebhookNotifierOptions;

  constructor(opts: WebhookNotifierOptions) {
    this.#opts = opts;
  }

  /** @throws PermanentSendError on a 4xx other than 408 and 429; TransientSendError on any
   *  other status, a timeout or a network error. */
  async send(m: OutboundMessage): Promise<SendReceipt> {
    const body = JSON.stringify(m.payload);
    const ts = Math.floor(this.#opts.clock.now().getTime() / 1000);
    let res: Response;
    try {
      res = await fetch(this.#opts.url, {
        method: 'POST', body, redirect: 'error', signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000),
        headers: {
          'content-type': 'application/json', 'idempotency-key': m.idempotencyKey, 'keyhole-message-id': m.messageId,
          ...(m.redelivery ? { 'keyhole-redelivery': 'yes' } : {}), [SIGNATURE_HEADER]: signWebhook(this.#opts.secret, body, ts),
        },
      });
    } catch (e) {
      throw new TransientSendError(`webhook ${(e as { name?: string }).name ?? 'error'}`, { cause: e });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { providerId: res.headers.get('x-request-id') };
    const reason = `http ${res.status}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentSendError(reason);
    throw new TransientSendError(reason);
  }
}
