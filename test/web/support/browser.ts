// Browser tests of the console: headless Chromium through playwright-core against a real
// Keyhole server (the test harness's app listening on port 0, serving the built console), and
// the leak scanner that checks every page, API response and SSE message for plaintext.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_CONSOLE_DIR } from '../../../src/server/routes/console.js';

/** Where screenshots go (gitignored). */
export const SHOTS_DIR = path.resolve('test-results', 'web');

/** The Chromium of the CI image (.ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium, or explains what is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(path.join(DEFAULT_CONSOLE_DIR, 'index.html'))) throw new Error('the console is not built: run `npm run build` (npm test does)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(SHOTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const SSE_RECORDER = `
  window.__sse = [];
  const orig = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, fn, o) {
    return orig.call(this, type, function (e) {
      window.__sse.push(String(e.data));
      return typeof fn === 'function' ? fn.call(this, e) : fn.handleEvent(e);
    }, o);
  };`;

/** Records what reached one page: every API response body (except the SSE stream, read
 *  in-page instead) and every SSE message's data, for leak scans. */
export class PageRecorder {
  readonly #bodies: { url: string; body: string }[] = [];
  readonly #page: Page;
  constructor(page: Page) {
    this.#page = page;
    // Record the data of every SSE message the app receives (it listens with addEventListener).
    // A string, not a function: tsx's name helpers do not exist in the page.
    void page.addInitScript({ content: SSE_RECORDER });
    // Every API call goes through here: the body is read in Node, recorded, then handed to the
    // page unchanged. The SSE stream is left alone (it never ends; its messages are recorded
    // in-page above).
    void page.route((url) => url.pathname.startsWith('/v1/') && url.pathname !== '/v1/events', async (route) => {
      const response = await route.fetch();
      const body = await response.text();
      const req = route.request();
      this.#bodies.push({ url: `${req.method()} ${req.url()}`, body });
      await route.fulfill({ response, body });
    });
  }

  /** How many API responses were recorded so far. */
  get count(): number {
    return this.#bodies.length;
  }

  /** Indices of the responses recorded from `from` on whose "METHOD url" matches `re` (to
   *  allow exactly those to hold a granted value). */
  indicesSince(from: number, re: RegExp): number[] {
    return this.#bodies.flatMap((b, i) => (i >= from && re.test(b.url) ? [i] : []));
  }

  /** Asserts that none of `secrets` is in the page's HTML, any API response so far (except
   *  those whose index is in `allowed`) or any SSE message. Returns how many were scanned. */
  async assertNoLeak(secrets: readonly string[], label: string, allowed: ReadonlySet<number> = new Set()): Promise<number> {
    const html = await this.#page.content();
    const sse = await this.#page.evaluate(() => (window as unknown as { __sse?: string[] }).__sse ?? []);
    const bodies = this.#bodies;
    for (const s of secrets) {
      if (html.includes(s)) throw new Error(`${label}: the page HTML holds a secret (${s.slice(0, 3)}…)`);
      for (const [i, b] of bodies.entries()) if (!allowed.has(i) && b.body.includes(s)) throw new Error(`${label}: a response of ${b.url} holds a secret (${s.slice(0, 3)}…)`);
      for (const m of sse) if (m.includes(s)) throw new Error(`${label}: an SSE message holds a secret (${s.slice(0, 3)}…)`);
    }
    return bodies.length;
  }
}

/** Saves a screenshot of `page` as test-results/web/<name>.png: the whole page, or only the
 *  window with `{ fullPage: false }` (a modal over a long page). */
export async function shot(page: Page, name: string, opts: { readonly fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), fullPage: opts.fullPage ?? true });
}
