// The customer's session in the portal: who is signed in (GET /v1/customer/me), signing in
// (passkey or demo picker) and out, the server's clock for countdowns, and the live stream of
// consent requests (GET /v1/customer/events, Server-Sent Events) that screens subscribe to.
// Separate from the agent console's session: different cookie, different people.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { portalApi, type CustomerMe } from './api';

/** The live stream's state, shown in the header. */
export type PortalLive = 'connecting' | 'live' | 'offline';

/** A consent event: a reveal request on my data changed (`status`: pending, approved, denied,
 *  revoked, …). */
export interface ConsentEvent {
  readonly requestId: string;
  readonly status: string;
}

interface PortalSessionValue {
  readonly me: CustomerMe | null;
  readonly loading: boolean;
  readonly live: PortalLive;
  /** Loads /v1/customer/me again (after a sign-in, a new passkey, the lock). */
  refresh(): Promise<CustomerMe | null>;
  signInDemo(customerId: string): Promise<void>;
  signOut(): Promise<void>;
  /** Subscribes to consent events; returns the unsubscribe function. */
  onConsent(fn: (e: ConsentEvent) => void): () => void;
  /** The server's clock now (ms since epoch). */
  serverNow(): number;
}

const PortalSessionContext = createContext<PortalSessionValue | null>(null);

/** Provides the customer session to the portal. */
export function PortalSessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<CustomerMe | null>(null);
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState<PortalLive>('connecting');
  const skew = useRef(0);
  const listeners = useRef(new Set<(e: ConsentEvent) => void>());

  const refresh = useCallback(async () => {
    try {
      const m = await portalApi.me();
      skew.current = Date.parse(m.serverTime) - Date.now();
      setMe(m);
      return m;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setMe(null);
        return null;
      }
      throw e;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setMe(null)).finally(() => setLoading(false));
  }, [refresh]);

  const signInDemo = useCallback(async (customerId: string) => {
    await portalApi.demoLogin(customerId);
    await refresh();
  }, [refresh]);

  const signOut = useCallback(async () => {
    try {
      await portalApi.logout();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    }
    setMe(null);
  }, []);

  const onConsent = useCallback((fn: (e: ConsentEvent) => void) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);

  const ended = useCallback(() => setMe(null), []);
  useConsentStream(me?.id, listeners.current, setLive, ended);

  const value = useMemo<PortalSessionValue>(() => ({
    me, loading, live, refresh, signInDemo, signOut, onConsent, serverNow: () => Date.now() + skew.current,
  }), [me, loading, live, refresh, signInDemo, signOut, onConsent]);
  return <PortalSessionContext.Provider value={value}>{children}</PortalSessionContext.Provider>;
}

/** Keeps one EventSource on /v1/customer/events open while signed in; reconnects after a
 *  failure while the session lasts, and calls `ended` when it does not. */
function useConsentStream(customerId: string | undefined, listeners: Set<(e: ConsentEvent) => void>, setLive: (s: PortalLive) => void, ended: () => void) {
  useEffect(() => {
    if (!customerId) return;
    let es: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      setLive('connecting');
      es = new EventSource('/v1/customer/events');
      es.onopen = () => setLive('live');
      es.addEventListener('consent', (ev) => {
        const data = JSON.parse((ev as MessageEvent<string>).data) as ConsentEvent;
        for (const fn of listeners) fn(data);
      });
      es.onerror = () => {
        if (es?.readyState !== EventSource.CLOSED) return setLive('connecting');
        setLive('offline');
        retry = setTimeout(check, 3000);
      };
    };
    const check = () => {
      if (stopped) return;
      portalApi.me().then(() => !stopped && connect(), (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) ended();
        else retry = setTimeout(check, 5000);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      es?.close();
    };
  }, [customerId, listeners, setLive, ended]);
}

/** The portal session; MUST be used under PortalSessionProvider. */
export function usePortalSession(): PortalSessionValue {
  const s = useContext(PortalSessionContext);
  if (!s) throw new Error('usePortalSession outside PortalSessionProvider');
  return s;
}

/** The signed-in customer (for screens only reachable when signed in). */
export function useCustomer(): CustomerMe {
  const { me } = usePortalSession();
  if (!me) throw new Error('useCustomer without a session');
  return me;
}

/** Calls `fn` for each consent event while mounted. */
export function useConsentEvents(fn: (e: ConsentEvent) => void): void {
  const { onConsent } = usePortalSession();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => onConsent((e) => ref.current(e)), [onConsent]);
}
