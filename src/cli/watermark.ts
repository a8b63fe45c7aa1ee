// `keyhole watermark identify IMAGE…`: reads the forensic mark from leaked screenshots or phone
// photos and prints which session showed the page — agent, session span, the 10-minute slot,
// and the tickets and customers that session displayed then, each record with its log proof.
// docs/design/watermark.md.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { identifyMark, type Identification } from '../watermark/identify.js';
import { withRuntime } from './commands.js';
import { withStoreOptions } from './options.js';

/** The result for one image: the marks read and what each leads to. */
export interface ImageResult {
  readonly image: string;
  readonly marks: ReadonlyArray<{ readonly sessionCode: string; readonly slot: number }>;
  readonly identifications: readonly Identification[];
  readonly error?: string;
}

function describe(r: ImageResult, withProofs: boolean): string {
  if (r.error !== undefined) return `${r.image}: could not read the image (${r.error})`;
  if (r.marks.length === 0) return `${r.image}: no Keyhole mark found`;
  const lines: string[] = [];
  for (const m of r.marks) {
    const ids = r.identifications.filter((i) => i.sessionCode === m.sessionCode && i.slot === m.slot);
    if (ids.length === 0) { lines.push(`${r.image}: mark of session ${m.sessionCode}, but no such session was ever issued on this log`); continue; }
    for (const id of ids) {
      lines.push(`${r.image}: session ${id.sessionCode} of ${id.agent.name ?? id.agent.id} (${id.agent.id}${id.agent.role ? `, ${id.agent.role}` : ''})`);
      lines.push(`  session started ${id.session.startedAt}, valid until ${id.session.endsAt} (log entry ${id.session.start.seq})`);
      for (const w of id.windows) lines.push(`  shown between ${w.from} and ${w.to}`);
      lines.push(`  ${id.records.length} record(s) in that slot: ${id.tickets.length} ticket(s), ${id.customers.length} customer(s)`);
      for (const rec of id.records) {
        const fields = Object.entries(rec.record.fields).map(([f, l]) => `${f}:${l}`).join(' ');
        lines.push(`    #${rec.seq} ${rec.record.time} ${rec.record.action} ${rec.record.decision} ticket ${rec.record.ticketId ?? '-'} customer ${rec.record.customerId ?? '-'}${fields ? ` ${fields}` : ''}${rec.proof === null ? ' (not yet in a signed checkpoint)' : ''}`);
        if (withProofs && rec.proof !== null) lines.push(rec.proof.trimEnd().split('\n').map((l) => `      ${l}`).join('\n'));
      }
    }
  }
  return lines.join('\n');
}

/** Adds `watermark identify` to `program`. Exits 0 when every image named a session, 4 when an
 *  image had no mark or an unknown session, 2 when an image could not be read. */
export function registerWatermark(program: Command): void {
  const wm = program.command('watermark').description('forensic marks of agent pages');
  withStoreOptions(wm.command('identify').description('identify the session that showed a leaked screenshot or photo').argument('<image...>', 'PNG, JPEG or WebP files'))
    .option('--json', 'print JSON (with proofs)')
    .option('--proofs', 'print each record\'s C2SP tlog-proof')
    .action(async (images: string[], o: { dataDir?: string; json?: boolean; proofs?: boolean }) => {
      const results = await withRuntime(o, async (rt) => {
        const out: ImageResult[] = [];
        for (const image of images) {
          try {
            const { decodeMarks } = await import('../watermark/decode.js'); // sharp loads only here
            const marks = await decodeMarks(readFileSync(image));
            const identifications = (await Promise.all(marks.map((m) => identifyMark(rt.db, m)))).flat();
            out.push({ image, marks, identifications });
          } catch (err) {
            out.push({ image, marks: [], identifications: [], error: err instanceof Error ? err.message : String(err) });
          }
        }
        return out;
      });
      if (o.json) console.log(JSON.stringify(results, null, 2));
      else for (const r of results) console.log(describe(r, o.proofs === true));
      process.exitCode = results.some((r) => r.error !== undefined) ? 2 : results.some((r) => r.identifications.length === 0) ? 4 : 0;
    });
}
