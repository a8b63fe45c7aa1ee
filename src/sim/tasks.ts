// Units of simulated work: a Task is one ticket's handling (or one insider action sequence) and
// its Steps are the broker calls it makes at given simulated times. A min-heap orders all steps.
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { SimAgent } from './world.js';

/** A broker call a step makes. `intake` is the ticketing system routing a ticket to an agent. */
export type StepKind = 'intake' | 'lookup' | 'view' | 'verify' | 'reveal' | 'decide' | 'assign' | 'close';

/** The client a task's requests come from (hashed fingerprints). */
export interface Client {
  readonly net: string;
  readonly dev: string;
  /** The session the requests ride on (one per agent and working day; a thief may replay one). */
  readonly sess?: string | undefined;
  /** For a thief replaying `sess`: the client its owner signed it in from. A session exists only
   *  after its sign-in, so a driver that has not seen `sess` yet signs it in from there first
   *  (`session_start` bound to the owner's device and network), then serves the thief. */
  readonly signedInFrom?: { readonly net: string; readonly dev: string } | undefined;
}

/** The owner's sign-in that must come before the first step on a thief's replayed session
 *  (`Client.signedInFrom`): the `session_start` record as createSession records it, without the
 *  time and request id the driver gives it. Undefined when `step`'s client rides no session, the
 *  session was seen before (`seen` is updated here), or its owner's sign-in is not the driver's
 *  to write. */
export function ownerSignIn(step: { readonly task: { readonly agent: { readonly id: string }; readonly client: Client } }, seen: Set<string>): Omit<AuditRecord, 'time' | 'requestId'> | undefined {
  const c = step.task.client;
  if (!c.sess || seen.has(c.sess)) return undefined;
  seen.add(c.sess);
  if (!c.signedInFrom) return undefined;
  return {
    v: 1, action: 'session_start', agentId: step.task.agent.id, customerId: null, ticketId: null, decision: 'allow',
    fields: {}, policyIds: [], reason: null, details: { session: c.sess, via: 'demo', net: c.signedInFrom.net, dev: c.signedInFrom.dev },
  };
}

/** One ticket's handling. Mutable: `ticketId`/`requestId` are filled in as steps run; `dead`
 *  drops the remaining steps (a denial ends the work). */
export interface Task {
  readonly id: number;
  readonly agent: SimAgent;
  readonly customer: number;
  readonly purpose: Purpose;
  readonly channel: 'phone' | 'email' | 'chat';
  readonly key: 'email' | 'phone' | 'accountId';
  readonly client: Client;
  /** Injected by an insider scenario (counts toward accounts before containment). */
  readonly malicious: boolean;
  ticketId: string | undefined;
  requestId: string | undefined;
  /** A QA review works on its parent's ticket (the id is known once the parent's intake ran). */
  readonly parent?: Task | undefined;
  dead: boolean;
}

/** One call at time `t` (ms). `actor` overrides the task's agent (supervisor decisions and
 *  assignments); `to` is an assignment's target. */
export interface Step {
  readonly t: number;
  readonly task: Task;
  readonly kind: StepKind;
  readonly field?: FieldName;
  readonly correct?: boolean;
  readonly fields?: readonly FieldName[];
  readonly approve?: boolean;
  readonly actor?: SimAgent;
  readonly to?: SimAgent;
}

/** A binary min-heap of steps by time (ties in insertion order). */
export class StepQueue {
  readonly #heap: Array<{ s: Step; n: number }> = [];
  #n = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(s: Step): void {
    const h = this.#heap;
    h.push({ s, n: this.#n++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i] as { s: Step; n: number }, h[p] as { s: Step; n: number })) break;
      [h[i], h[p]] = [h[p] as { s: Step; n: number }, h[i] as { s: Step; n: number }];
      i = p;
    }
  }

  /** The earliest step's time, or Infinity. */
  peekTime(): number {
    return this.#heap[0]?.s.t ?? Infinity;
  }

  pop(): Step | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l] as { s: Step; n: number }, h[m] as { s: Step; n: number })) m = l;
        if (r < h.length && less(h[r] as { s: Step; n: number }, h[m] as { s: Step; n: number })) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as { s: Step; n: number }, h[i] as { s: Step; n: number }];
        i = m;
      }
    }
    return top.s;
  }
}

function less(a: { s: Step; n: number }, b: { s: Step; n: number }): boolean {
  return a.s.t < b.s.t || (a.s.t === b.s.t && a.n < b.n);
}
