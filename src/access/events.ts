// Events the broker publishes after commit: every recorded decision and every change of a
// reveal request. The server turns them into Server-Sent Events; detectors may listen too.
import { EventEmitter } from 'node:events';
import type { AuditRecord } from '../shared/audit-entry.js';

/** A published event. */
export type BrokerEvent =
  | { readonly type: 'audit'; readonly record: AuditRecord }
  | { readonly type: 'reveal_request'; readonly requestId: string; readonly status: string; readonly agentId: string; readonly customerId?: string; readonly approval?: string }
  | { readonly type: 'agent_status'; readonly agentId: string; readonly status: 'active' | 'suspended' }
  /** A detection alert for the security dashboard (src/detect): `kind` is alert, step_up,
   *  contain, budget or decoy; `summary` explains it without customer data. */
  | { readonly type: 'detect_alert'; readonly alertId: string; readonly agentId: string; readonly kind: string; readonly risk: number; readonly at: string; readonly summary: string }
  /** Data an agent may have on screen must go now (issue 14 item 2): the customer locked their
   *  data or ended a grant. The agent's desk drops shown values of that customer and reloads. */
  | { readonly type: 'access_withdrawn'; readonly agentId: string; readonly customerId: string; readonly ticketId: string | null; readonly reason: 'customer_locked' | 'grant_revoked' }
  /** The audit log's health changed (src/audit/log-health.ts): while `serving` is false no
   *  customer data is returned. For security staff. */
  | { readonly type: 'log_health'; readonly serving: boolean; readonly status: 'ok' | 'lagging' | 'failed'; readonly reason: string | null; readonly since: string };

/** Publish/subscribe of broker events; listeners MUST NOT throw (errors are swallowed). */
export class BrokerEvents {
  readonly #emitter = new EventEmitter();
  constructor() {
    this.#emitter.setMaxListeners(0);
  }
  /** Publishes `event` to every subscriber (of this process; ClusterEvents also forwards it
   *  to the other servers). */
  publish(event: BrokerEvent): void {
    this.deliver(event);
  }
  /** Hands `event` to this process's subscribers only. */
  protected deliver(event: BrokerEvent): void {
    for (const l of this.#emitter.listeners('event')) {
      try {
        (l as (e: BrokerEvent) => void)(event);
      } catch {
        // a broken subscriber must not break the broker
      }
    }
  }
  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (e: BrokerEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
