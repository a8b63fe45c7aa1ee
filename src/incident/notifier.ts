// The Notifier seam: how a message leaves Keyhole (SMTP, a webhook). The outbox sender gives it
// one claimed message at a time with its idempotency key and a Message-ID derived from it.
// DESIGN.md "Seams"; docs/design/incident.md "Notify".
import { createHash } from 'node:crypto';

/** One message to deliver. `to` is resolved at send time (an e-mail address decrypted from the
 *  vault, or the customer id for a webhook) and MUST NOT be logged or stored. */
export interface OutboundMessage {
  readonly idempotencyKey: string;
  /** RFC 5322 Message-ID `<…@…>`, a function of the idempotency key: a redelivery repeats it. */
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** The JSON body of a webhook (structured, no field values). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** True when an earlier attempt may have been delivered (its sender died mid-send). */
  readonly redelivery: boolean;
}

/** What the transport said. `providerId` is its id for the message (SMTP queue id, HTTP id). */
export interface SendReceipt {
  readonly providerId: string | null;
}

/** Delivers messages. `send` resolves once the receiving side accepted the message (SMTP 250
 *  after DATA, HTTP 2xx) and rejects otherwise; it MUST give up within its timeout. */
export interface Notifier {
  send(message: OutboundMessage): Promise<SendReceipt>;
  close?(): Promise<void>;
}

/** A failure no retry can fix (SMTP 5xx, HTTP 4xx other than 408 and 429). `reason` is safe to
 *  store: it never holds an address or a message body. */
export class PermanentSendError extends Error {
  override readonly name = 'PermanentSendError';
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.reason = reason;
  }
}

/** A failure worth retrying later; `reason` as for PermanentSendError. */
export class TransientSendError extends Error {
  override readonly name = 'TransientSendError';
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.reason = reason;
  }
}

/** The Message-ID of idempotency key `key` under `domain`: `<40 hex of SHA-256(key)@domain>`. */
export function messageIdFor(key: string, domain: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}
