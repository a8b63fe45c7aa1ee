// The alert webhook: POSTs each alert as JSON to a configured URL (KEYHOLE_ALERT_WEBHOOK), with
// retries and exponential backoff. Delivery never blocks detection; failures after the last
// retry are counted, not thrown. Alerts hold no customer data (ids, seqs, figures only).

/** Options of a webhook. `fetchImpl` defaults to the global fetch (tests pass a real local
 *  server's URL instead of replacing it). */
export interface WebhookOptions {
  readonly url: string;
  /** Attempts per alert (default 4). */
  readonly attempts?: number;
  /** First retry delay in ms, doubled each time (default 500). */
  readonly backoffMs?: number;
  /** Per-attempt timeout in ms (default 5000). */
  readonly timeoutMs?: number;
}

/** Posts alerts; `idle()` resolves when every delivery in flight has finished. */
export class AlertWebhook {
  readonly #opts: Required<WebhookOptions>;
  readonly #inFlight = new Set<Promise<void>>();
  #delivered = 0;
  #failed = 0;

  constructor(opts: WebhookOptions) {
    this.#opts = { attempts: 4, backoffMs: 500, timeoutMs: 5000, ...opts };
  }

  /** Deliveries that succeeded and that gave up. */
  get stats(): { readonly delivered: number; readonly failed: number } {
    return { delivered: this.#delivered, failed: this.#failed };
  }

  /** Queues `payload` for delivery (fire and forget). */
  send(payload: unknown): void {
    const p = this.#deliver(JSON.stringify(payload)).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  /** Waits for every delivery in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #deliver(body: string): Promise<void> {
    for (let i = 0; i < this.#opts.attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, this.#opts.backoffMs * 2 ** (i - 1)));
      try {
        const res = await fetch(this.#opts.url, {
          method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'keyhole-detect' }, body,
          signal: AbortSignal.timeout(this.#opts.timeoutMs),
        });
        if (res.ok) {
          this.#delivered++;
          return;
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break; // will not get better
      } catch {
        // network error or timeout: retry
      }
    }
    this.#failed++;
  }
}
