// `keyhole import customers FILE`: the exchange's customer records into the vault, with a
// progress bar (rows/s, ETA) and a bad-row report (line and reason, never values);
// `keyhole export audit` and `keyhole siem run|status`: the log out to the SIEM.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { importCustomers, importRejects } from '../integrations/customers/import.js';
import type { IntegrationDb } from '../integrations/tables.js';
import type { Runtime } from '../server/runtime.js';
import { siemConfigFromEnv, sinksOf } from '../integrations/siem/config.js';
import { countWindow, exportAudit, type ExportFormat } from '../integrations/siem/export.js';
import { SiemShipper, siemLag } from '../integrations/siem/shipper.js';
import { startSiem } from '../integrations/siem/siem.js';
import { withStoreOptions } from './options.js';

type WithRuntime = <T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T>) => Promise<T>;

/** Writes the bad rows of `importId` to `file` as NDJSON ({line, externalId, reason}); returns how many. */
async function writeReport(db: IntegrationDb, importId: string, file: string): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  let after = 0;
  for (;;) {
    const page = await importRejects(db, importId, after, 1000);
    if (page.length === 0) break;
    for (const r of page) if (!out.write(`${JSON.stringify(r)}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
    n += page.length;
    after = page[page.length - 1]!.line;
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  return n;
}

/** Registers `keyhole import customers`. */
export function registerImport(program: Command, withRuntime: WithRuntime): void {
  const imp = program.command('import').description('bring records in from the exchange');
  withStoreOptions(imp.command('customers').argument('<file>', 'NDJSON (.ndjson/.jsonl) or CSV (.csv) of catalog fields plus externalId'))
    .description('upsert customers by externalId: streaming, resumable, encrypted under each customer\'s data key')
    .option('--format <format>', 'ndjson or csv (default: by extension)')
    .option('--report <file>', 'where to write the bad-row report (default FILE.rejects.ndjson)')
    .option('--batch <n>', 'rows per transaction', (v) => Number.parseInt(v, 10), 1000)
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, o: { format?: 'ndjson' | 'csv'; report?: string; batch: number; progress: boolean; dataDir?: string }) => {
      const bar = new cliProgress.SingleBar({ format: 'importing [{bar}] {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
      const started = Date.now();
      const r = await withRuntime(o, async (rt) => {
        if (o.progress && process.stderr.isTTY) bar.start(100, 0, { rows: 0, speed: 0 });
        try {
          const s = await importCustomers({ db: rt.db as unknown as IntegrationDb, vault: rt.vault, clock: rt.clock }, file, {
            format: o.format, batchSize: o.batch,
            onProgress: (p) => bar.update(p.totalBytes === 0 ? 100 : Math.floor((100 * p.bytes) / p.totalBytes), { rows: p.rows, speed: Math.round(p.rows / Math.max(0.001, (Date.now() - started) / 1000)) }),
          });
          const report = o.report ?? `${file}.rejects.ndjson`;
          const bad = s.rejected > 0 ? await writeReport(rt.db as unknown as IntegrationDb, s.importId, report) : 0;
          return { ...s, report: bad > 0 ? report : undefined };
        } finally {
          bar.stop();
        }
      });
      if (r.alreadyDone) console.log(`import ${r.importId} of this file already finished`);
      else if (r.resumedFrom > 0) console.log(`import ${r.importId} resumed after line ${r.resumedFrom}`);
      console.log(`${r.created} created, ${r.updated} updated, ${r.rejected} rejected (${r.lines} lines)`);
      if (r.report) console.log(`bad rows (line and reason): ${r.report}`);
    });
}

const parseTime = (v: string): Date => {
  const d = new Date(v);
  if (!Number.isFinite(d.getTime())) throw new Error(`not a time (ISO 8601): ${v}`);
  return d;
};

/** Registers `keyhole export audit` and `keyhole siem run|status`. */
export function registerSiem(program: Command, withRuntime: WithRuntime): void {
  const exp = program.command('export').description('take records out');
  withStoreOptions(exp.command('audit').description('log entries of a time window as OCSF, JSON lines or CSV (the export is itself recorded)'))
    .requiredOption('--since <time>', 'from (ISO 8601, inclusive)', parseTime)
    .option('--until <time>', 'to (ISO 8601, exclusive; default now)', parseTime)
    .option('--format <format>', 'ocsf | jsonl | csv', 'ocsf')
    .option('--out <file>', 'write here instead of standard output')
    .action(async (o: { since: Date; until?: Date; format: string; out?: string; dataDir?: string }) => {
      if (!['ocsf', 'jsonl', 'csv'].includes(o.format)) throw new Error(`--format must be ocsf, jsonl or csv: ${o.format}`);
      const spec = { since: o.since, until: o.until ?? new Date(), format: o.format as ExportFormat };
      const n = await withRuntime(o, async (rt) => {
        const db = rt.db as unknown as IntegrationDb;
        // An embedded data directory belongs to this process alone: sequence what is pending
        // first (on PostgreSQL the serving integrator does that).
        if (rt.store.capabilities.kind === 'pglite') await rt.integrator.drain();
        const total = await countWindow(db, spec);
        const bar = new cliProgress.SingleBar({ format: 'exporting [{bar}] {value}/{total} entries | ETA {eta_formatted}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        if (process.stderr.isTTY) bar.start(total, 0);
        try {
          return await exportAudit(db, rt.clock, spec, out, process.env.USER ?? 'operator', (done) => bar.update(done));
        } finally {
          bar.stop();
          if (o.out) await new Promise<void>((res) => (out as ReturnType<typeof createWriteStream>).end(() => res()));
        }
      });
      console.error(`${n} entries exported`);
    });

  const siem = program.command('siem').description('audit log to the SIEM (sinks in KEYHOLE_SIEM_CONFIG)');
  withStoreOptions(siem.command('run').description('ship the log and alerts to every configured sink from their durable cursors'))
    .option('--until-caught-up', 'exit once every sink has everything')
    .action(async (o: { untilCaughtUp?: boolean; dataDir?: string }) => {
      await withRuntime(o, async (rt) => {
        const db = rt.db as unknown as IntegrationDb;
        if (o.untilCaughtUp) {
          const sinks = sinksOf(siemConfigFromEnv(process.env), process.env);
          for (const sink of sinks) {
            const s = new SiemShipper(db, sink, rt.clock, { batchSize: siemConfigFromEnv(process.env).batchSize });
            while ((await s.shipOnce()) > 0);
            await sink.close();
          }
          return;
        }
        const running = startSiem(db, rt.clock, process.env);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await running.stop();
      });
    });
  withStoreOptions(siem.command('status').description('each sink\'s cursor and lag (log entries not yet delivered)'))
    .action(async (o: { dataDir?: string }) => {
      const rows = await withRuntime(o, (rt) => siemLag(rt.db as unknown as IntegrationDb));
      for (const r of rows) console.log(`${r.sink}\tnext ${r.nextSeq}\tlag ${r.lag}`);
    });
}
