// The signed-in session: who I am (GET /v1/me), signing in through the demo picker and out,
// the live event stream (GET /v1/events, Server-Sent Events) and the server's clock. When the
// stream says the session is over (suspension, sign-out elsewhere) every screen is dropped and
// the sign-in page says why. Nothing here is persisted in the browser.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, get, post, setUnauthenticatedHandler } from '../api/client';
import type { Me } from '../api/types';

/** Events of the stream the console listens to. */
export type LiveEventType = 'audit' | 'reveal_request' | 'agent_status' | 'access_withdrawn' | 'detect_alert';
type Listener = (data: unknown) => void;

/** The stream's state, shown in the header. */
export type LiveState = 'connecting' | 'live' | 'offline';

interface SessionValue {
  readonly me: Me | null;
  readonly loading: boolean;
  /** Why the last session ended (shown on the sign-in page), or null. */
  readonly endedReason: string | null;
  readonly live: LiveState;
  signIn(agentId: string): Promise<void>;
  signOut(): Promise<void>;
  /** Subscribes to a live event type; returns the unsubscribe function. */
  subscribe(type: LiveEventType, fn: Listener): () => void;
  /** The server's clock now (ms since epoch): the browser's clock corrected by the skew seen
   *  at sign-in, so grant countdowns follow the server. */
  serverNow(): number;
}

const SessionContext = createContext<SessionValue | null>(null);

const END_MESSAGES: Readonly<Record<string, string>> = {
  suspended: 'You were signed out because your account was suspended by the security team. Contact your supervisor.',
  session_ended: 'Your session ended. Sign in again to continue.',
};

/** Provides the session to the app. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const [endedReason, setEndedReason] = useState<string | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const skew = useRef(0);
  const listeners = useRef(new Map<LiveEventType, Set<Listener>>());

  const adopt = useCallback((m: Me | null) => {
    if (m) skew.current = Date.parse(m.serverTime) - Date.now();
    setMe(m);
  }, []);

  const end = useCallback((reason: string) => {
    setEndedReason(END_MESSAGES[reason] ?? END_MESSAGES.session_ended ?? null);
    setMe(null);
  }, []);

  useEffect(() => {
    get<Me>('/v1/me').then(adopt, () => adopt(null)).finally(() => setLoading(false));
    setUnauthenticatedHandler(() => end('session_ended'));
    return () => setUnauthenticatedHandler(undefined);
  }, [adopt, end]);

  useEventStream(me, listeners.current, setLive, end);

  const signIn = useCallback(async (agentId: string) => {
    await post('/v1/demo/login', { agentId });
    setEndedReason(null);
    adopt(await get<Me>('/v1/me'));
  }, [adopt]);

  const signOut = useCallback(async () => {
    // Ends the session here and, after single sign-on, at the identity provider too.
    let redirectTo: string | null = null;
    try {
      redirectTo = (await post<{ redirectTo: string | null }>('/v1/auth/logout')).redirectTo;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    }
    setEndedReason(null);
    setMe(null);
    if (redirectTo) window.location.assign(redirectTo);
  }, []);

  const subscribe = useCallback((type: LiveEventType, fn: Listener) => {
    const set = listeners.current.get(type) ?? new Set<Listener>();
    listeners.current.set(type, set);
    set.add(fn);
    return () => void set.delete(fn);
  }, []);

  const value = useMemo<SessionValue>(() => ({
    me, loading, endedReason, live, signIn, signOut, subscribe, serverNow: () => Date.now() + skew.current,
  }), [me, loading, endedReason, live, signIn, signOut, subscribe]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** Keeps one EventSource open while signed in; fans its events out to `listeners`. */
function useEventStream(me: Me | null, listeners: Map<LiveEventType, Set<Listener>>, setLive: (s: LiveState) => void, end: (reason: string) => void) {
  const meId = me?.id;
  useEffect(() => {
    if (!meId) return;
    let es: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      setLive('connecting');
      es = new EventSource('/v1/events');
      es.onopen = () => setLive('live');
      for (const type of ['audit', 'reveal_request', 'agent_status', 'access_withdrawn', 'detect_alert'] as const) {
        es.addEventListener(type, (ev) => {
          const data: unknown = JSON.parse((ev as MessageEvent<string>).data);
          for (const fn of listeners.get(type) ?? []) fn(data);
        });
      }
      es.addEventListener('end', (ev) => {
        const { reason } = JSON.parse((ev as MessageEvent<string>).data) as { reason: string };
        es?.close();
        if (reason === 'server_closing') return void (retry = setTimeout(check, 3000));
        stopped = true;
        end(reason);
      });
      es.onerror = () => {
        if (es?.readyState === EventSource.CLOSED) {
          setLive('offline');
          retry = setTimeout(check, 3000);
        } else setLive('connecting');
      };
    };
    // After the stream failed: still signed in → reconnect; 401 → the session is over.
    const check = () => {
      if (stopped) return;
      get<Me>('/v1/me').then(() => !stopped && connect(), (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) end('session_ended');
        else retry = setTimeout(check, 5000);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      es?.close();
    };
  }, [meId, listeners, setLive, end]);
}

/** The session; MUST be used under SessionProvider. */
export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in agent (for screens only reachable when signed in). */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a session');
  return me;
}

/** Calls `fn` for each live event of `type` while mounted. */
export function useLiveEvent(type: LiveEventType, fn: (data: unknown) => void): void {
  const { subscribe } = useSession();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe(type, (d) => ref.current(d)), [subscribe, type]);
}
