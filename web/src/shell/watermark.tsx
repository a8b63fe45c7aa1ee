// The forensic watermark: a tiled, diagonal text — the agent's name, the session code and the
// time — painted as the CSS background of the content container, so screenshots and screen
// recordings name their source. It is part of the container's own style (not an overlay one
// could delete); a MutationObserver puts it back at once if the style is changed or removed.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Box, useComputedColorScheme } from '@mantine/core';

const TILE_W = 420;
const TILE_H = 260;

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The SVG data URL of one tile carrying `lines` (two staggered copies, rotated −24°). */
export function watermarkUrl(lines: readonly string[], dark: boolean): string {
  const fill = dark ? 'rgba(255,255,255,0.085)' : 'rgba(20,24,40,0.075)';
  const text = (x: number, y: number) =>
    `<text x="${x}" y="${y}" transform="rotate(-24 ${x} ${y})" font-family="ui-sans-serif,system-ui,sans-serif" font-size="13" font-weight="600" fill="${fill}">${lines
      .map((l, i) => `<tspan x="${x}" dy="${i === 0 ? 0 : 17}">${escapeXml(l)}</tspan>`).join('')}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE_W}" height="${TILE_H}">${text(16, 100)}${text(226, 216)}</svg>`;
  return `url("data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}")`;
}

/** "2026-01-05 09:00 UTC": minutes are enough to match a recording to the log. */
function stamp(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A container whose background is the watermark of `name` and `sessionCode`, redrawn every
 *  minute with the current time. */
export function Watermarked({ name, sessionCode, children, className }: { name: string; sessionCode: string; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const dark = useComputedColorScheme('light') === 'dark';
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, []);
  const url = watermarkUrl([name, `session ${sessionCode}`, stamp(now)], dark);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const apply = () => {
      if (el.style.getPropertyValue('background-image') !== url || el.style.getPropertyPriority('background-image') !== 'important') {
        el.style.setProperty('background-image', url, 'important');
        el.style.setProperty('background-repeat', 'repeat', 'important');
      }
      if (!el.hasAttribute('data-watermark')) el.setAttribute('data-watermark', sessionCode);
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(el, { attributes: true, attributeFilter: ['style', 'class', 'data-watermark'] });
    return () => observer.disconnect();
  }, [url, sessionCode]);

  return <Box ref={ref} className={className} data-watermark={sessionCode}>{children}</Box>;
}
