// The state of one ticket's customer panel. The masked view comes from the server on every
// load; a value revealed through a grant is kept apart, only in this component's memory, and
// dropped when its grant expires or the agent hides it (the view is then loaded again, so the
// screen shows the masked form). Nothing is cached across pages or reloads.
import { useCallback, useEffect, useRef, useState } from 'react';
import { notifications } from '@mantine/notifications';
import { ApiError, get } from '../api/client';
import type { CustomerView, Rendered, RevealRequest } from '../api/types';
import { useLiveEvent, useMe, useSession } from '../session/session';
import { fieldLabel } from './fields';

/** A value shown through a grant, until `expiresAt` (server time, ISO). */
export interface RevealedValue {
  readonly value: Rendered;
  readonly expiresAt: string;
}

export interface Workspace {
  readonly view: CustomerView | undefined;
  readonly viewError: ApiError | undefined;
  readonly revealed: ReadonlyMap<string, RevealedValue>;
  readonly requests: readonly RevealRequest[];
  readonly usedGrants: ReadonlySet<string>;
  /** Loads the view (consumes approved grants: the single use). */
  loadView(): Promise<void>;
  loadRequests(): Promise<void>;
  /** Drops a revealed value now. */
  hide(field: string): void;
  addRequest(r: RevealRequest): void;
}

/** Splits grant-revealed values out of `v`: the view keeps null in their place. */
function split(v: CustomerView): { view: CustomerView; revealed: Map<string, RevealedValue> } {
  const revealed = new Map<string, RevealedValue>();
  const fields = v.fields.map((f) => {
    if (f.level !== 'revealed' || f.grantExpiresAt === null) return f;
    revealed.set(f.name, { value: f.value, expiresAt: f.grantExpiresAt });
    return { ...f, value: null };
  });
  return { view: { ...v, fields }, revealed };
}

/** The workspace of ticket `ticketId` (an open ticket of the signed-in agent). */
export function useWorkspace(ticketId: string): Workspace {
  const me = useMe();
  const { serverNow } = useSession();
  const [view, setView] = useState<CustomerView>();
  const [viewError, setViewError] = useState<ApiError>();
  const [revealed, setRevealed] = useState<ReadonlyMap<string, RevealedValue>>(new Map());
  const [requests, setRequests] = useState<readonly RevealRequest[]>([]);
  const [usedGrants, setUsedGrants] = useState<ReadonlySet<string>>(new Set());
  const reloading = useRef(false);

  const loadView = useCallback(async () => {
    try {
      const s = split(await get<CustomerView>(`/v1/tickets/${ticketId}/customer`));
      setView(s.view);
      setViewError(undefined);
      if (s.view.grantsUsed.length > 0) setUsedGrants((u) => new Set([...u, ...s.view.grantsUsed]));
      setRevealed((old) => {
        const next = new Map(old);
        for (const [k, v] of s.revealed) next.set(k, v);
        return next;
      });
    } catch (e) {
      setViewError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e)));
    }
  }, [ticketId]);

  const loadRequests = useCallback(async () => {
    try {
      const r = await get<{ requests: RevealRequest[] }>('/v1/reveal-requests');
      setRequests(r.requests.filter((x) => x.ticketId === ticketId));
    } catch {
      // the panel keeps the last list; the view's own error state covers a dead session
    }
  }, [ticketId]);

  useEffect(() => {
    setView(undefined);
    setRevealed(new Map());
    void loadView();
    void loadRequests();
  }, [loadView, loadRequests]);

  const hide = useCallback((field: string) => {
    setRevealed((old) => {
      const next = new Map(old);
      next.delete(field);
      return next;
    });
    if (!reloading.current) {
      reloading.current = true;
      void loadView().finally(() => (reloading.current = false));
    }
  }, [loadView]);

  // Expiry: each revealed value disappears at its grant's expiry (server time).
  useEffect(() => {
    if (revealed.size === 0) return;
    const t = setInterval(() => {
      for (const [field, r] of revealed) if (Date.parse(r.expiresAt) <= serverNow()) hide(field);
    }, 500);
    return () => clearInterval(t);
  }, [revealed, hide, serverNow]);

  useLiveEvent('reveal_request', (d) => {
    const e = d as { requestId: string; status: string; agentId: string };
    if (e.agentId !== me.id) return;
    const mine = requests.find((r) => r.id === e.requestId);
    void loadRequests();
    if (mine && e.status !== mine.status) {
      const what = mine.fields.map(fieldLabel).join(', ');
      if (e.status === 'approved') notifications.show({ color: 'teal', title: 'Reveal approved', message: `${what}: show it when the customer is ready — it can be seen once.` });
      if (e.status === 'denied') notifications.show({ color: 'red', title: 'Reveal denied', message: what });
    }
  });

  // The customer locked their data or ended a grant: whatever of theirs is on screen goes now,
  // not at the countdown's end (issue 14 item 2); the view is loaded again (masked, or locked).
  useLiveEvent('access_withdrawn', (d) => {
    const e = d as { customerId: string; ticketId: string | null; reason: 'customer_locked' | 'grant_revoked' };
    if (e.ticketId !== ticketId && e.customerId !== view?.customerId) return;
    setRevealed(new Map());
    void loadView();
    void loadRequests();
    notifications.show({
      color: 'orange', title: e.reason === 'customer_locked' ? 'The customer locked their data' : 'The customer ended your access',
      message: e.reason === 'customer_locked' ? 'Everything shown of this customer was removed from your screen.' : 'The revealed value was removed from your screen.',
    });
  });

  const addRequest = useCallback((r: RevealRequest) => setRequests((rs) => [r, ...rs.filter((x) => x.id !== r.id)]), []);
  return { view, viewError, revealed, requests, usedGrants, loadView, loadRequests, hide, addRequest };
}
