// A tiny signal from the `/` shortcut (anywhere) to the lookup field on the queue page, which
// may mount after the signal was sent (navigation): the request waits until it is taken.
let pending = false;
const listeners = new Set<() => void>();

/** Asks the lookup field to take the focus (now, or when it mounts). */
export function requestLookupFocus(): void {
  pending = true;
  for (const l of listeners) l();
}

/** Registers the lookup field's focus function; returns the unregister function. */
export function onLookupFocus(fn: () => void): () => void {
  listeners.add(fn);
  if (pending) fn();
  return () => void listeners.delete(fn);
}

/** Marks the request as handled. */
export function lookupFocused(): void {
  pending = false;
}
