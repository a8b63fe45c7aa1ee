// npm run bench:watermark — can a leaked picture of a Keyhole page be traced to its session?
// Starts `keyhole serve` (demo mode, its own embedded database) as a child process, signs in
// BENCH_WM_SESSIONS (50) sessions in headless Chromium, screenshots a ticket page of each at
// 1920×1080, applies what a phone camera and a video do (bench/watermark-transforms.ts), and
// uploads every picture to the security team's identification API, as a responder would. Also
// 200 pictures of the same pages with the mark removed (none may be identified). Rates are
// given against the untransformed screenshots of the same run. Writes bench/results/watermark.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext, Browser } from 'playwright-core';
import { launchBrowser } from '../test/web/support/browser.js';
import { CHAIN, rng, TRANSFORMS, type Transform } from './watermark-transforms.js';

const SESSIONS = Number(process.env.BENCH_WM_SESSIONS ?? 50);
const UNMARKED = Number(process.env.BENCH_WM_UNMARKED ?? 200);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'keyhole.js');
const env = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '', KEYHOLE_DEMO: '1', LOG_LEVEL: 'warn' };

interface Shot { readonly code: string; readonly agentId: string; readonly png: Buffer }

async function startServer(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const seeded = spawnSync(process.execPath, [BIN, 'seed', '--data-dir', dir, '--customers', '400', '--agents', '40', '--tickets', '300', '--seed', '42'], { env, encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dir, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /serving on (http:\/\/\S+?)\/? /.exec(d.toString());
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

/** Screenshots of one ticket page per session; `unmarked` removes the mark first (its watcher
 *  disabled by an init script, as a devtools user could). */
async function screenshots(browser: Browser, url: string, n: number, unmarked: boolean): Promise<Shot[]> {
  const probe = await browser.newContext();
  const agents = (await (await probe.request.get(`${url}/v1/demo/agents`)).json()).agents as Array<{ id: string; role: string; status: string }>;
  await probe.close();
  const staff = agents.filter((a) => a.role === 'agent' && a.status === 'active');
  const shots: Shot[] = [];
  for (let i = 0; i < n; i++) {
    const agent = staff[i % staff.length]!;
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, baseURL: url });
    try {
      if (unmarked) {
        await ctx.addInitScript(() => {
          (window as unknown as { MutationObserver: unknown }).MutationObserver = class { observe() {} disconnect() {} takeRecords() { return []; } };
          const si = window.setInterval.bind(window);
          (window as unknown as { setInterval: unknown }).setInterval = (f: () => void, ms?: number) => (ms === 2000 ? 0 : si(f, ms));
        });
      }
      const login = await ctx.request.post('/v1/demo/login', { data: { agentId: agent.id } });
      if (!login.ok()) throw new Error(`login ${agent.id}: ${login.status()}`);
      const me = await (await ctx.request.get('/v1/me')).json() as { sessionCode: string };
      const tickets = (await (await ctx.request.get('/v1/tickets')).json()).tickets as Array<{ id: string }>;
      const page = await ctx.newPage();
      await page.goto(tickets.length > 0 ? `/tickets/${tickets[i % tickets.length]!.id}` : '/queue');
      await page.waitForLoadState('networkidle');
      await page.waitForSelector('[data-forensic-mark]', { state: 'attached', timeout: 10_000 });
      if (unmarked) await page.evaluate(() => document.querySelectorAll('[data-forensic-mark]').forEach((e) => e.remove()));
      await page.waitForTimeout(300);
      shots.push({ code: me.sessionCode, agentId: agent.id, png: await page.screenshot({ type: 'png' }) });
    } finally {
      await ctx.close();
    }
  }
  return shots;
}

interface Outcome { readonly right: boolean; readonly wrong: boolean; readonly ms: number }

async function identify(api: APIRequestContext, img: Buffer, expect: Shot | undefined): Promise<Outcome> {
  const t = performance.now();
  const r = await api.post('/v1/security/watermark/identify', { data: { image: img.toString('base64') } });
  const ms = performance.now() - t;
  if (!r.ok()) throw new Error(`identify: ${r.status()} ${await r.text()}`);
  const ids = (await r.json()).identifications as Array<{ sessionCode: string; agent: { id: string } }>;
  const right = expect !== undefined && ids.some((x) => x.sessionCode === expect.code && x.agent.id === expect.agentId);
  const wrong = ids.some((x) => expect === undefined || x.sessionCode !== expect.code);
  return { right, wrong, ms };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-bench-wm-'));
  const server = await startServer(dir);
  const browser = await launchBrowser();
  try {
    const marked = await screenshots(browser, server.url, SESSIONS, false);
    const plain = await screenshots(browser, server.url, Math.max(1, Math.ceil(UNMARKED / 4)), true);
    mkdirSync(path.join(ROOT, 'test-results', 'watermark'), { recursive: true });
    writeFileSync(path.join(ROOT, 'test-results', 'watermark', 'desk.png'), marked[0]!.png);

    const sec = await browser.newContext({ baseURL: server.url });
    const agents = (await (await sec.request.get('/v1/demo/agents')).json()).agents as Array<{ id: string; role: string }>;
    const login = await sec.request.post('/v1/demo/login', { data: { agentId: agents.find((a) => a.role === 'security')!.id } });
    if (!login.ok()) throw new Error('security sign-in failed');

    const r = rng(16);
    const transforms: Array<[string, Transform]> = [['screenshot', async (x) => x], ...Object.entries(TRANSFORMS), ['combined_chain', CHAIN]];
    const rates: Record<string, { identified: number; of: number; rate: number; ratio_to_screenshot: number; wrong: number }> = {};
    const times: number[] = [];
    let wrongTotal = 0;
    for (const [name, f] of transforms) {
      let right = 0;
      let wrong = 0;
      for (const shot of marked) {
        const img = await f(shot.png, r);
        if (name === 'combined_chain' && shot === marked[0]) writeFileSync(path.join(ROOT, 'test-results', 'watermark', 'desk-chain.jpg'), img);
        const o = await identify(sec.request, img, shot);
        times.push(o.ms);
        if (o.right) right++;
        if (o.wrong) wrong++;
      }
      wrongTotal += wrong;
      rates[name] = { identified: right, of: marked.length, rate: right / marked.length, ratio_to_screenshot: 0, wrong };
      console.log(`${name.padEnd(20)} ${right}/${marked.length} identified${wrong ? `, ${wrong} wrong` : ''}`);
    }
    for (const v of Object.values(rates)) v.ratio_to_screenshot = rates.screenshot!.rate === 0 ? 0 : v.rate / rates.screenshot!.rate;

    let falseIds = 0;
    let unmarkedImages = 0;
    const plainVariants: Transform[] = [async (x) => x, TRANSFORMS.jpeg_q30!, TRANSFORMS.downscale_40!, CHAIN];
    for (const shot of plain) {
      for (const f of plainVariants) {
        if (unmarkedImages >= UNMARKED) break;
        const o = await identify(sec.request, await f(shot.png, r), undefined);
        times.push(o.ms);
        unmarkedImages++;
        if (o.wrong) falseIds++;
      }
    }
    await sec.close();
    console.log(`unmarked: ${falseIds} of ${unmarkedImages} identified (must be 0)`);
    const singles = Object.entries(rates).filter(([k]) => k !== 'screenshot' && k !== 'combined_chain');
    const result = {
      benchmark: 'watermark', date: new Date().toISOString(), node: process.version, load_average_before: Number(load.toFixed(2)),
      sessions: marked.length, viewport: '1920x1080', page: 'ticket page of the agent desk (Chromium screenshot)',
      rates,
      min_single_rate: Math.min(...singles.map(([, v]) => v.rate)),
      combined_chain_rate: rates.combined_chain!.rate,
      wrong_session_on_marked: wrongTotal,
      unmarked_images: unmarkedImages, false_identifications: falseIds,
      identify_ms: { p50: Math.round(pct(times, 0.5)), p95: Math.round(pct(times, 0.95)), max: Math.round(Math.max(...times)) },
      targets: { single_rate: 0.95, combined_chain_rate: 0.8, false_identifications: 0, identify_ms_max: 2000 },
    };
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'watermark.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`min single ${(result.min_single_rate * 100).toFixed(0)} %, chain ${(result.combined_chain_rate * 100).toFixed(0)} %, false ${falseIds}/${unmarkedImages}, identify p50 ${result.identify_ms.p50} ms p95 ${result.identify_ms.p95} ms max ${result.identify_ms.max} ms`);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
