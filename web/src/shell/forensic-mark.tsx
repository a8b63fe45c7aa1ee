// The forensic mark: a faint, machine-readable QR code of the session code and the 10-minute
// slot, tiled over the whole viewport above every panel (pointer-events: none), so any quarter of
// a screenshot or phone photo names the session that showed it (`keyhole watermark identify`).
// It is an element of its own, watched: removing it, restyling it or hiding it with an injected
// stylesheet puts it back and reports `watermark_tamper` to the log. docs/design/watermark.md.
import { useEffect, useMemo, useState } from 'react';
import { useComputedColorScheme } from '@mantine/core';
import { markText } from '../../../src/watermark/payload.js';
import { markTileSvg, DEFAULT_TILE_STYLE } from '../../../src/watermark/tile.js';
import { post } from '../api/client';

type TamperKind = 'removed' | 'restyled' | 'hidden';

/** How often the computed style is checked (ms): catches stylesheets injected elsewhere. */
const CHECK_MS = 2000;
/** At most one report per kind per minute. */
const REPORT_GAP_MS = 60_000;

/** The CSS background of the mark for `sessionCode` at `now`, or undefined for a code that is
 *  not a console session (an API token has no screen). */
export function forensicMarkUrl(sessionCode: string, now: Date, dark: boolean): { url: string; side: number } | undefined {
  let text: string;
  try {
    text = markText(sessionCode, now);
  } catch {
    return undefined;
  }
  const { svg, side } = markTileSvg(text, DEFAULT_TILE_STYLE, dark);
  return { url: `url("data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}")`, side };
}

const STYLE: ReadonlyArray<readonly [string, string]> = [
  ['position', 'fixed'], ['inset', '0'], ['pointer-events', 'none'], ['z-index', '2147483000'], ['display', 'block'],
  ['visibility', 'visible'], ['opacity', '1'], ['background-repeat', 'repeat'], ['background-position', '0 0'], ['mix-blend-mode', 'normal'],
];

/** Mounts the mark for `sessionCode` on document.body while rendered. */
export function ForensicMark({ sessionCode }: { sessionCode: string }) {
  const dark = useComputedColorScheme('light') === 'dark';
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, []);
  const slotKey = Math.floor(now.getTime() / 600_000);
  const mark = useMemo(() => forensicMarkUrl(sessionCode, now, dark), [sessionCode, slotKey, dark]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!mark) return;
    const el = document.createElement('div');
    el.setAttribute('data-forensic-mark', '');
    el.setAttribute('aria-hidden', 'true');
    const lastReport = new Map<TamperKind, number>();
    const report = (kind: TamperKind) => {
      const t = Date.now();
      if ((lastReport.get(kind) ?? 0) + REPORT_GAP_MS > t) return;
      lastReport.set(kind, t);
      void post('/v1/watermark/tamper', { kind }).catch(() => undefined);
    };
    const apply = () => {
      for (const [k, v] of STYLE) el.style.setProperty(k, v, 'important');
      el.style.setProperty('background-image', mark.url, 'important');
      el.style.setProperty('background-size', `${mark.side}px ${mark.side}px`, 'important');
    };
    const intact = () => el.style.getPropertyValue('background-image') === mark.url && el.style.getPropertyPriority('background-image') === 'important'
      && STYLE.every(([k, v]) => el.style.getPropertyValue(k) === v);
    apply();
    document.body.appendChild(el);
    let stopped = false;
    const onMutation = () => {
      if (stopped) return;
      if (!el.isConnected) { document.body.appendChild(el); report('removed'); }
      if (!intact()) { apply(); report('restyled'); }
    };
    const bodyObserver = new MutationObserver(onMutation);
    bodyObserver.observe(document.body, { childList: true });
    const selfObserver = new MutationObserver(onMutation);
    selfObserver.observe(el, { attributes: true });
    const check = setInterval(() => {
      onMutation();
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility !== 'visible' || Number(cs.opacity) < 1 || !cs.backgroundImage.startsWith('url(')) report('hidden');
    }, CHECK_MS);
    return () => {
      stopped = true;
      bodyObserver.disconnect();
      selfObserver.disconnect();
      clearInterval(check);
      el.remove();
    };
  }, [mark]);
  return null;
}
