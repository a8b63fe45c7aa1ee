// Loading data for a screen: the latest answer of `load`, its error, and a reload function.
// An answer that arrives after a newer load started is dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Loads again (keeps the current data while loading). */
  reload(): Promise<void>;
  /** Replaces the data locally (after a write the server answered). */
  set(data: T): void;
}

/** Runs `load` now and whenever `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const g = ++generation.current;
    setLoading(true);
    try {
      const d = await loadRef.current();
      if (g !== generation.current) return;
      setData(d);
      setError(undefined);
    } catch (e) {
      if (g !== generation.current) return;
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', e instanceof Error ? e.message : String(e)));
    } finally {
      if (g === generation.current) setLoading(false);
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    void reload();
  }, deps);
  return { data, error, loading, reload, set: setData };
}

/** Re-renders every `ms` while `active`; returns the browser time of the last tick (ms). */
export function useNow(ms: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}
