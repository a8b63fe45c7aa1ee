// The receipts screen's state: the customer's receipts and, for each, the outcome of the
// in-browser check (receipt-verifier.ts). Loads again every few seconds while any receipt is
// still pending (waiting for the log's next checkpoint) and when a consent event arrives; a
// receipt once verified stays verified, a newer checkpoint is only trusted if it extends the
// last one — including the largest one this browser verified on earlier visits (log-memory.ts)
// — and is cosigned by the witness policy.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { portalApi, type Receipt } from './api';
import { useConsentEvents, useCustomer } from './portal-session';
import { recallHead, rememberHead } from './log-memory';
import { checkExtends, checkReceipt, loadLogKey, loadWitnessPolicy, openLatestHead, type LogSource, type ReceiptCheck, type TrustedHead } from './receipt-verifier';
import type { WitnessPolicy } from '../../../src/shared/tlog/witness-policy.js';

/** A receipt with its check. `key` is stable across reloads (the log index, or the position
 *  among the not-yet-sequenced ones). */
export interface CheckedReceipt {
  readonly key: string;
  readonly receipt: Receipt;
  readonly check: ReceiptCheck | null;
}

export interface VerifiedReceipts {
  readonly items: readonly CheckedReceipt[] | undefined;
  readonly error: ApiError | undefined;
  /** A problem with the log itself (bad checkpoint signature, a rewritten log), or null. */
  readonly logProblem: string | null;
  readonly head: TrustedHead | null;
  readonly checking: boolean;
  reload(): Promise<void>;
}

const POLL_MS = 3000;
const PARALLEL = 6;

/** A verifier key pinned at build time (VITE_KEYHOLE_LOG_VKEY): then the server cannot swap in
 *  a key of its own; without it the key is fetched from the server once per page load. */
const PINNED_VKEY: string | undefined = import.meta.env.VITE_KEYHOLE_LOG_VKEY;
/** A witness policy pinned at build time (VITE_KEYHOLE_WITNESS_POLICY, the policy file's text);
 *  without it the server's published policy (/v1/log/witnesses) applies. */
const PINNED_WITNESS_POLICY: string | undefined = import.meta.env.VITE_KEYHOLE_WITNESS_POLICY;

const source: LogSource = {
  vkey: PINNED_VKEY ? async () => PINNED_VKEY : portalApi.logVkey,
  checkpoint: portalApi.logCheckpoint, inclusion: portalApi.inclusion, consistency: portalApi.consistency, witnesses: portalApi.logWitnesses,
};

const keyOf = (r: Receipt, i: number) => (r.seq === null ? `pending-${i}` : `seq-${r.seq}`);

/** Runs `fn` over `xs` with at most PARALLEL at a time, keeping order. */
async function mapLimited<T, U>(xs: readonly T[], fn: (x: T) => Promise<U>): Promise<U[]> {
  const out: U[] = new Array(xs.length);
  let next = 0;
  const worker = async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, xs.length) }, worker));
  return out;
}

/** The signed-in customer's receipts, checked against the log. */
export function useVerifiedReceipts(): VerifiedReceipts {
  const me = useCustomer();
  const [items, setItems] = useState<readonly CheckedReceipt[]>();
  const [error, setError] = useState<ApiError>();
  const [logProblem, setLogProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const head = useRef<TrustedHead | null>(null);
  const policy = useRef<WitnessPolicy | null>(null);
  const verified = useRef(new Map<string, ReceiptCheck>());
  const running = useRef<Promise<void> | null>(null);

  /** The trusted head now: the latest checkpoint if it opens, meets the witness policy and
   *  extends the last one — on the first run, the one remembered from earlier visits. */
  const advanceHead = useCallback(async (): Promise<TrustedHead | null> => {
    const key = head.current?.key ?? (await loadLogKey(source));
    policy.current ??= await loadWitnessPolicy(source, PINNED_WITNESS_POLICY);
    const earlier = head.current === null;
    const prev = head.current ?? recallHead(key);
    const next = await openLatestHead(source, key, policy.current);
    if (!next && prev && prev.checkpoint.size > 0) throw new Error(`the log serves no checkpoint, but this browser verified one of ${prev.checkpoint.size} records before`);
    if (next && prev) await checkExtends(source, prev, next, earlier);
    if (next) {
      head.current = next;
      rememberHead(next);
    }
    return head.current;
  }, []);

  const run = useCallback(async () => {
    setChecking(true);
    try {
      const { receipts } = await portalApi.receipts();
      let trusted: TrustedHead | null = head.current;
      let problem: string | null = null;
      try {
        trusted = await advanceHead();
      } catch (e) {
        if (e instanceof ApiError) throw e;
        problem = `The log's signed checkpoint does not check out (${(e as Error).message}). Receipts cannot be confirmed; contact us and mention this message.`;
      }
      const checks = await mapLimited(receipts.map((r, i) => [r, keyOf(r, i)] as const), async ([r, k]) => {
        const known = verified.current.get(k);
        if (known) return known;
        const c = problem && r.seq !== null ? { state: 'failed' as const, record: null, reason: 'The log itself could not be checked.' } : await checkReceipt(source, r, trusted, me.id);
        if (c.state === 'verified') verified.current.set(k, c);
        return c;
      });
      setItems(receipts.map((r, i) => ({ key: keyOf(r, i), receipt: r, check: checks[i] ?? null })));
      setLogProblem(problem);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', e instanceof Error ? e.message : String(e)));
    } finally {
      setChecking(false);
    }
  }, [advanceHead, me.id]);

  /** One run at a time; a reload during a run waits for it and runs again. */
  const reload = useCallback(async () => {
    while (running.current) await running.current;
    const p = run().finally(() => (running.current = null));
    running.current = p;
    await p;
  }, [run]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const pending = items?.some((i) => i.check?.state === 'pending') ?? false;
  useEffect(() => {
    if (!pending || error) return;
    const t = setTimeout(() => void reload(), POLL_MS);
    return () => clearTimeout(t);
  }, [pending, error, items, reload]);

  useConsentEvents(() => void reload());
  return { items, error, logProblem, head: head.current, checking, reload };
}
