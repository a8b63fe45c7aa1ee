// The outbox sender: claim-before-send delivery of notifications and webhooks. Each message is
// claimed under a lease (committed before anything is sent), its lease renewed just before the
// send, sent through its channel's Notifier with a Message-ID derived from its idempotency key,
// and its send recorded (with a `notification_send` audit record) in one transaction. Retries
// back off; a sender that dies leaves its claims to expire and be taken over. The guarantee and
// its one unavoidable window are in docs/design/incident.md "Notify".
import { randomBytes } from 'node:crypto';
import type { BrokerEvents } from '../access/events.js';
import type { Clock } from '../shared/clock.js';
import { isKeyholeError } from '../shared/errors.js';
import { IncidentRecorder } from './incident-record.js';
import type { IncidentDb } from './model.js';
import { messageIdFor, PermanentSendError, type Notifier, type SendReceipt } from './notifier.js';
import { claimDue, markFailedAttempt, markSent, outstanding, renewClaim, type ClaimedMessage, type OutboxChannel } from './outbox.js';

/** How the sender runs. */
export interface OutboxSenderOptions {
  readonly db: IncidentDb;
  readonly clock: Clock;
  readonly events?: BrokerEvents | undefined;
  /** The Notifier of each configured channel; messages of other channels stay queued. */
  readonly notifiers: Readonly<Partial<Record<OutboxChannel, Notifier>>>;
  /** The customer's e-mail address, decrypted from the vault at send time (null: none). It
   *  MUST NOT be logged or stored. May throw KeyholeError CUSTOMER_ERASED. */
  readonly emailOf: (customerId: string) => Promise<string | null>;
  /** The domain of derived Message-IDs. */
  readonly messageIdDomain: string;
  /** Claim lease in ms (default 60 s); MUST exceed a Notifier's worst-case send time. */
  readonly leaseMs?: number | undefined;
  /** Messages claimed at once (default 10). */
  readonly batchSize?: number | undefined;
  /** Attempts before a message is `failed` (default 8). */
  readonly maxAttempts?: number | undefined;
  /** Wait before attempt n+1 after attempt n failed, in ms (default 30 s × 4^(n-1), at most 6 h). */
  readonly retryDelayMs?: ((attempt: number) => number) | undefined;
  /** Test hook: runs after the receiver accepted a message and before its send is recorded —
   *  the crash window documented in docs/design/incident.md. */
  readonly afterAccepted?: ((m: ClaimedMessage) => Promise<void> | void) | undefined;
}

/** What one run did. */
export interface SendStats {
  readonly claimed: number;
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  /** Claims lost to another sender (the lease ran out before this one got to them). */
  readonly lost: number;
}

const defaultDelay = (attempt: number) => Math.min(30_000 * 4 ** (attempt - 1), 6 * 3600_000);

/** Delivers the outbox. Several senders (processes, servers) may run at once: claims keep each
 *  message with one of them at a time. */
export class OutboxSender {
  readonly #o: OutboxSenderOptions;
  readonly #channels: OutboxChannel[];
  #loop: Promise<void> | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;

  constructor(opts: OutboxSenderOptions) {
    this.#o = opts;
    this.#channels = (Object.keys(opts.notifiers) as OutboxChannel[]).filter((c) => opts.notifiers[c] !== undefined);
  }

  /** The channels this sender delivers. */
  get channels(): readonly OutboxChannel[] {
    return this.#channels;
  }

  /** Claims one batch of due messages and delivers them one by one. */
  async runOnce(): Promise<SendStats> {
    const token = randomBytes(12).toString('base64url');
    const leaseMs = this.#o.leaseMs ?? 60_000;
    const claimed = await claimDue(this.#o.db, { token, now: this.#o.clock.now(), leaseMs, limit: this.#o.batchSize ?? 10, channels: this.#channels });
    const stats = { claimed: claimed.length, sent: 0, retried: 0, failed: 0, lost: 0 };
    for (const m of claimed) stats[await this.#deliver(m, leaseMs)]++;
    return stats;
  }

  /** Runs batches until no message of its channels is pending or sending, waiting (real time)
   *  for retry times and expired leases, for at most `maxWaitMs` (default 5 min). Returns the
   *  totals and how many messages remain outstanding. */
  async drain(maxWaitMs = 300_000): Promise<SendStats & { readonly outstanding: number }> {
    const total = { claimed: 0, sent: 0, retried: 0, failed: 0, lost: 0 };
    const deadline = Date.now() + maxWaitMs; // wall time on purpose: it bounds real waiting, not domain time
    for (;;) {
      const s = await this.runOnce();
      for (const k of Object.keys(total) as (keyof SendStats)[]) total[k] += s[k];
      if (s.claimed > 0) continue;
      const left = await outstanding(this.#o.db, this.#channels);
      if (left.count === 0 || Date.now() >= deadline) return { ...total, outstanding: left.count };
      const wait = left.nextAt === null ? 250 : left.nextAt.getTime() - this.#o.clock.now().getTime() + 10;
      await sleep(Math.max(50, Math.min(wait, 1000, deadline - Date.now())));
    }
  }

  /** Starts a background loop: a batch every `intervalMs` (default 1 s), at once while busy. */
  start(intervalMs = 1000): void {
    if (!this.#stopped || this.#channels.length === 0) return;
    this.#stopped = false;
    this.#loop = (async () => {
      while (!this.#stopped) {
        const s = await this.runOnce().catch(() => undefined);
        if (s && s.claimed > 0) continue;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, intervalMs);
          this.#wake = () => { clearTimeout(t); resolve(); };
        });
      }
    })();
  }

  /** Stops the loop after the message in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  async #deliver(m: ClaimedMessage, leaseMs: number): Promise<keyof Omit<SendStats, 'claimed'>> {
    const { db, clock } = this.#o;
    if (!(await renewClaim(db, m, new Date(clock.now().getTime() + leaseMs)))) return 'lost';
    const to = await this.#recipient(m);
    if (typeof to !== 'string') return this.#failed(m, to.reason, to.permanent);
    let receipt: SendReceipt;
    try {
      receipt = await this.#o.notifiers[m.channel]!.send({
        idempotencyKey: m.idempotencyKey, messageId: messageIdFor(m.idempotencyKey, this.#o.messageIdDomain), to,
        subject: m.subject, text: m.body, payload: m.payload, redelivery: m.redelivery || m.attempts > 1,
      });
    } catch (e) {
      const reason = e instanceof PermanentSendError ? e.reason : (e as { reason?: string }).reason ?? 'send failed';
      return this.#failed(m, reason, e instanceof PermanentSendError);
    }
    await this.#o.afterAccepted?.(m);
    return (await this.#record(m, receipt)) ? 'sent' : 'lost';
  }

  /** The address of an e-mail (from the vault), the customer id for webhooks, or why not. */
  async #recipient(m: ClaimedMessage): Promise<string | { reason: string; permanent: boolean }> {
    if (m.channel !== 'email') return m.customerId ?? 'exchange';
    if (m.customerId === null) return { reason: 'no customer', permanent: true };
    try {
      return (await this.#o.emailOf(m.customerId)) ?? { reason: 'no e-mail address', permanent: true };
    } catch (e) {
      return isKeyholeError(e, 'CUSTOMER_ERASED') ? { reason: 'customer erased', permanent: true } : { reason: 'address unavailable', permanent: false };
    }
  }

  async #failed(m: ClaimedMessage, reason: string, permanent: boolean): Promise<'retried' | 'failed'> {
    const give = permanent || m.attempts >= (this.#o.maxAttempts ?? 8);
    const delay = (this.#o.retryDelayMs ?? defaultDelay)(m.attempts);
    await markFailedAttempt(this.#o.db, m, reason, give ? null : new Date(this.#o.clock.now().getTime() + delay));
    return give ? 'failed' : 'retried';
  }

  /** Marks the message sent and records the send on the log, in one transaction. */
  async #record(m: ClaimedMessage, receipt: SendReceipt): Promise<boolean> {
    const recorder = new IncidentRecorder({ db: this.#o.db, clock: this.#o.clock, events: this.#o.events }, { kind: 'system', name: 'outbox', requestId: `out_${m.id}` });
    const ok = await this.#o.db.transaction().execute(async (trx) => {
      if (!(await markSent(trx, m, this.#o.clock.now(), receipt.providerId))) return false;
      if (m.channel !== 'protection_webhook') {
        await recorder.record(trx, {
          action: 'notification_send', incidentId: m.incidentId, customerId: m.customerId,
          details: { channel: m.channel, idempotencyKey: m.idempotencyKey, messageId: messageIdFor(m.idempotencyKey, this.#o.messageIdDomain), attempts: m.attempts, redelivery: m.redelivery },
        });
      }
      return true;
    });
    if (ok) recorder.publish();
    return ok;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
