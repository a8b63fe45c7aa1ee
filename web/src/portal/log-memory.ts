// The customer's browser as a witness of the log: it keeps the largest checkpoint it has
// verified in localStorage, one per log origin, and a later visit accepts a new checkpoint only
// if the log extends that one (RFC 9162 §2.1.4): a log shorter than or inconsistent with what
// this browser already saw is a failure shown to the customer (issue 10 item 2). The stored note
// is opened again with the log's key on every visit, so a changed log key shows too.
import { openCheckpoint } from '../../../src/shared/tlog/checkpoint.js';
import { logOrigin, type LogKeys, type TrustedHead } from './receipt-verifier';

/** The localStorage key of a log's remembered checkpoint. */
export const memoryKey = (origin: string) => `keyhole.verified-checkpoint.v1:${origin}`;

/** Where the memory lives (window.localStorage; a test may hand in a Map-backed one). */
export interface LogMemoryStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The browser's storage, or undefined where there is none (private modes may throw). */
function browserStorage(): LogMemoryStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** The remembered checkpoint of the log of `key` (its name is the origin), or null when this
 *  browser has none. @throws Error when the stored note does not open with `key`: the log's key
 *  changed since the last visit, or the storage was tampered with — either way, fail. */
export function recallHead(key: LogKeys, storage = browserStorage()): TrustedHead | null {
  const note = storage?.getItem(memoryKey(logOrigin(key))) ?? null;
  if (note === null) return null;
  try {
    return { checkpoint: openCheckpoint(note, key, logOrigin(key)).checkpoint, key, note };
  } catch {
    throw new Error('the checkpoint this browser verified on an earlier visit is not signed by the log\'s current key');
  }
}

/** Remembers `head` when it is larger than what is stored (a failed write is ignored: the
 *  check then only covers this visit). */
export function rememberHead(head: TrustedHead, storage = browserStorage()): void {
  if (!storage) return;
  try {
    const prev = recallHead(head.key, storage);
    if (prev && prev.checkpoint.size >= head.checkpoint.size) return;
  } catch {
    return; // keep the evidence: never overwrite a note that does not open
  }
  try {
    storage.setItem(memoryKey(logOrigin(head.key)), head.note);
  } catch {
    /* storage full or disabled */
  }
}
