// The SMTP Notifier (nodemailer): one pooled connection, one message at a time, bounded
// timeouts, the Message-ID and idempotency key as headers, and errors reduced to a code that
// names no address. close() ends the connection.
// RFC 5321 (a 250 reply to DATA transfers responsibility), RFC 5322 Message-ID.
// nodemailer is loaded at the first send, not at start-up (a server that never mails does not
// carry it: ~2 MB of heap, issue 18's start-up memory).
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { PermanentSendError, TransientSendError, type Notifier, type OutboundMessage, type SendReceipt } from './notifier.js';

/** Where and as whom to send. `url` is an SMTP URL (`smtp://user:pass@host:587`, `smtps://…`),
 *  a secret: never logged. `timeoutMs` bounds connecting, the greeting and each socket wait. */
export interface SmtpNotifierOptions {
  readonly url: string;
  readonly from: string;
  readonly timeoutMs?: number;
}

/** Sends each message over SMTP and resolves on the server's 250 to DATA. */
export class SmtpNotifier implements Notifier {
  readonly #options: SMTPTransport.Options;
  readonly #from: string;
  #transport: Promise<Transporter<SMTPTransport.SentMessageInfo>> | undefined;

  constructor(opts: SmtpNotifierOptions) {
    const t = opts.timeoutMs ?? 15_000;
    this.#options = { url: opts.url, pool: true, maxConnections: 1, connectionTimeout: t, greetingTimeout: t, socketTimeout: t, logger: false, debug: false } as SMTPTransport.Options;
    this.#from = opts.from;
  }

  /** The pooled transport, created at the first send. */
  #transportOnce(): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    this.#transport ??= import('nodemailer').then((m) => m.default.createTransport(this.#options));
    return this.#transport;
  }

  /** @throws PermanentSendError on a 5xx reply (e.g. the recipient is refused);
   *  TransientSendError on anything else (4xx, timeouts, connection errors). */
  async send(m: OutboundMessage): Promise<SendReceipt> {
    try {
      const transport = await this.#transportOnce();
      const info = await transport.sendMail({
        from: this.#from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId,
        headers: { 'X-Keyhole-Idempotency-Key': m.idempotencyKey, ...(m.redelivery ? { 'X-Keyhole-Redelivery': 'yes' } : {}) },
      });
      return { providerId: typeof info.response === 'string' ? info.response.slice(0, 200) : null };
    } catch (e) {
      const err = e as { responseCode?: number; code?: string };
      const reason = err.responseCode !== undefined ? `smtp ${err.responseCode}` : `smtp ${err.code ?? 'error'}`;
      if (err.responseCode !== undefined && err.responseCode >= 500) throw new PermanentSendError(reason, { cause: e });
      throw new TransientSendError(reason, { cause: e });
    }
  }

  async close(): Promise<void> {
    const t = this.#transport;
    this.#transport = undefined;
    if (t) (await t).close();
  }
}
