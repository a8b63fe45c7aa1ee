// The keyhole commands: serve, seed, verify, keys (keys.ts), erase-customer. Each opens the
// runtime, does one thing, closes it, and exits with the error catalogue's exit code.
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadAgent } from '../access/agents.js';
import { buildApp } from '../server/app.js';
import { KeyholeError } from '../shared/errors.js';
import { createRuntime, type Runtime } from '../server/runtime.js';
import { DEFAULT_DEMO } from '../sim/demo-spec.js';
import { seedProgressLines } from '../sim/seed-progress.js';
import { demoMailRoutes } from '../server/routes/demo-mail.js';
import { runtimeConfig, withStoreOptions } from './options.js';
import { registerIncident } from './incident.js';
import { registerImport, registerSiem } from './integrations.js';
import { registerRosterImport } from './rosters.js';
import { startSiem } from '../integrations/siem/siem.js';
import { registerSimulate } from './simulate.js';
import { registerVerify } from './verify.js';
import { registerTokens } from './tokens.js';
import { registerWitness } from './witness.js';
import { registerWatermark } from './watermark.js';
import { registerStatus } from './status.js';
import { registerConfig } from './config.js';
import { demoSpecFromEnv, seedDemoOnce } from './seed-once.js';
import { Lifecycle } from '../server/probes.js';
import { installShutdown, shutdownConfigFromEnv } from '../server/shutdown.js';
import { registerKeys } from './keys.js';
import { softwareKeysWarning } from '../vault/key-custody.js';
import { eraseCustomerOnRecord } from '../access/erasure.js';

const int = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
  return n;
};

/** Opens the runtime (without the integrator unless `integrate`), runs `fn`, closes it. */
export async function withRuntime<T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T>, integrate = false): Promise<T> {
  const rt = await createRuntime(runtimeConfig(opts, { integrate }));
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

async function seedWithProgress(rt: Runtime, spec = DEFAULT_DEMO) {
  const { seedDemo } = await import('../sim/seed.js'); // only when seeding: see sim/demo-spec.ts
  if (!process.stderr.isTTY) return seedDemo(rt.db, rt.vault, spec, seedProgressLines(spec.customers)); // perf: progress in logs too
  const bar = new cliProgress.SingleBar({ format: 'seeding customers [{bar}] {value}/{total} {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(spec.customers, 0);
  try {
    return await seedDemo(rt.db, rt.vault, spec, (done) => bar.update(done));
  } finally {
    bar.stop();
  }
}

/** The `keyhole` program; `originalEnv` is the environment before the <NAME>_FILE secrets
 *  were read in (for `config check`). */
export function program(originalEnv: Readonly<Record<string, string | undefined>> = process.env): Command {
  const p = new Command('keyhole').description('Zero-trust access to customer data for support teams').showHelpAfterError();

  withStoreOptions(p.command('serve').description('serve the API (and the console) on --port'))
    .option('--port <n>', 'port (default KEYHOLE_PORT, else 8080)', int, int(process.env.KEYHOLE_PORT?.trim() || '8080'))
    .option('--host <host>', 'address to bind (default KEYHOLE_HOST, else 127.0.0.1)', process.env.KEYHOLE_HOST?.trim() || '127.0.0.1')
    .action(async (o: { port: number; host: string; dataDir?: string }) => {
      const demo = process.env.KEYHOLE_DEMO === '1';
      const shutdown = shutdownConfigFromEnv(process.env);
      const rt = await createRuntime(runtimeConfig(o));
      const warning = softwareKeysWarning(rt.keys, demo);
      if (warning) console.error(warning);
      if (demo) {
        const spec = demoSpecFromEnv(process.env);
        await seedDemoOnce(rt, async () => {
          console.log(`first run: seeding the demo exchange (${spec.customers.toLocaleString('en')} customers)…`);
          await seedWithProgress(rt, { ...spec, now: spec.now ?? rt.clock.now() }); // tickets relative to now
        });
      }
      // Demo mode with no mail channel configured: notices go to an in-process mail catcher, listed at GET /v1/demo/mail.
      const catcher = demo && !process.env.KEYHOLE_SMTP_URL?.trim() && !process.env.KEYHOLE_NOTIFY_WEBHOOK?.trim() ? await (await import('../incident/mail-catcher.js')).startMailCatcher() : undefined; // smtp-server loads in demo mode only
      if (catcher) {
        process.env.KEYHOLE_SMTP_URL = catcher.url; // read by the incident routes when they register
        process.env.KEYHOLE_NOTIFY_FROM ||= 'Security team <security@keyhole.demo>';
        console.log(`demo mode: notification mail goes to a local catcher at ${catcher.url} (listed under Security → Sent mail)`);
      }
      const lifecycle = new Lifecycle();
      const app = await buildApp(rt, { demo, logger: { level: process.env.LOG_LEVEL ?? 'info' }, lifecycle, extraAuthenticated: catcher ? [demoMailRoutes(catcher)] : [] });
      if (catcher) app.addHook('onClose', async () => catcher.close());
      const siem = startSiem(rt.db as never, rt.clock, process.env, () => rt.integrator.isLeader); // KEYHOLE_SIEM_CONFIG sinks, shipped by the log's leader
      app.addHook('onClose', async () => siem.stop()); // app.close() in the shutdown sequence stops the sinks
      installShutdown(app, rt, lifecycle, shutdown);
      await app.listen({ port: o.port, host: o.host });
      lifecycle.started();
      const port = (app.server.address() as { port: number }).port;
      const scheme = process.env.KEYHOLE_TLS_CERT_FILE ? 'https' : 'http';
      console.log(`Keyhole is serving on ${scheme}://${o.host === '0.0.0.0' || o.host === '127.0.0.1' ? 'localhost' : o.host}:${port}/ (API docs at /docs)${demo ? ' — demo mode' : ''}`);
    });

  withStoreOptions(p.command('seed').description('write a deterministic demo exchange into an empty database'))
    .option('--customers <n>', 'customers', int, DEFAULT_DEMO.customers)
    .option('--agents <n>', 'front-line agents', int, DEFAULT_DEMO.agents)
    .option('--tickets <n>', 'open tickets', int, DEFAULT_DEMO.tickets)
    .option('--seed <n>', 'seed', int, DEFAULT_DEMO.seed)
    .action(async (o: { customers: number; agents: number; tickets: number; seed: number; dataDir?: string }) => {
      const r = await withRuntime(o, (rt) => seedWithProgress(rt, { customers: o.customers, agents: o.agents, tickets: o.tickets, seed: o.seed, now: rt.clock.now() }));
      console.log(`seeded ${r.customers} customers, ${r.agents} staff, ${r.tickets} tickets`);
    });

  registerVerify(p);
  registerIncident(p);
  registerSimulate(p);

  registerKeys(p, withRuntime);

  withStoreOptions(p.command('erase-customer').argument('<id>', 'customer id').description('crypto-shred a customer on the record: destroy their data key and blind indexes, revoke their grants, close their tickets'))
    .option('--by <staff id>', 'the security staff member who erases (recorded on the log)')
    .option('--reason <text>', 'why, e.g. "GDPR Art. 17 request #4711" (recorded on the log)')
    .action(async (id: string, o: { by?: string; reason?: string; dataDir?: string }) => {
      if (!o.by?.trim()) throw new KeyholeError('BAD_REQUEST', 'Name the security staff member who erases with --by <staff id>.');
      if (!o.reason?.trim()) throw new KeyholeError('REASON_REQUIRED', 'Give the reason with --reason <text> (e.g. "GDPR Art. 17 request #4711"); it is recorded on the log.');
      const r = await withRuntime(o, (rt) => eraseCustomerOnRecord(rt, { customerId: id, staffId: o.by as string, reason: o.reason }));
      console.log(`customer ${id} erased at ${r.erasedAt}; a tombstone remains`);
      console.log(`revoked ${r.grantsRevoked} grants, cancelled ${r.requestsCancelled} reveal and ${r.breakGlassRevoked} break-glass requests, closed ${r.ticketsClosed.length} tickets; recorded on the log as customer_erase`);
    });
  registerTokens(p, withRuntime);
  registerImport(p, withRuntime);
  registerRosterImport(p, withRuntime);
  registerSiem(p, withRuntime);
  registerWitness(p);
  registerWatermark(p);
  registerStatus(p);
  registerConfig(p, originalEnv);
  return p;
}
