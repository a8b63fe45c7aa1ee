// `keyhole import customers FILE`: the exchange's customer records into the vault, with a
// progress bar (rows/s, ETA) and a bad-row report (line and reason, never values).
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { importCustomers, importRejects } from '../integrations/customers/import.js';
import type { IntegrationDb } from '../integrations/tables.js';
import type { Runtime } from '../server/runtime.js';
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
