// Keyboard shortcuts: single keys (`/`, `?`) and two-key sequences (`g q`), ignored while the
// focus is in a text field (Escape there blurs it). One listener on the document.
import { useEffect, useRef } from 'react';

/** A map from a key or a space-separated sequence (`g q`) to its action. */
export type Hotkeys = Readonly<Record<string, (e: KeyboardEvent) => void>>;

const SEQUENCE_MS = 1200;

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Installs `keys` while mounted; later calls with new closures take effect at once. */
export function useHotkeys(keys: Hotkeys): void {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    let prefix = '';
    let at = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (typing(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      const now = Date.now();
      const combo = prefix && now - at < SEQUENCE_MS ? `${prefix} ${e.key}` : e.key;
      const action = ref.current[combo];
      if (action) {
        e.preventDefault();
        prefix = '';
        action(e);
        return;
      }
      const starts = Object.keys(ref.current).some((k) => k.startsWith(`${e.key} `));
      prefix = starts ? e.key : '';
      at = now;
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
