// `keyhole import rosters FILE`: shift rosters from a CSV (agent,start,hours,days), all or
// nothing, each change a `roster_update` record on the log with the operator as actor.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { appendAudit } from '../audit/append.js';
import { newId } from '../access/ids.js';
import type { BrokerDb } from '../access/model.js';
import type { DetectDb } from '../detect/containment.js';
import { getRoster, parseRosterCsv, rosterText, writeRoster } from '../detect/rosters.js';
import type { Runtime } from '../server/runtime.js';
import { KeyholeError } from '../shared/errors.js';
import { withStoreOptions } from './options.js';

type WithRuntime = <T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T>) => Promise<T>;

/** Imports the roster CSV at `file` into `rt`'s database in one transaction.
 *  @returns how many agents' rosters changed and how many were unchanged.
 *  @throws KeyholeError VALIDATION_FAILED listing every bad line (nothing is written then);
 *  NOT_FOUND naming agents that do not exist. */
export async function importRosters(rt: Runtime, file: string, by: string): Promise<{ changed: number; unchanged: number }> {
  const { rows, errors } = parseRosterCsv(readFileSync(file, 'utf8'));
  if (errors.length > 0) throw new KeyholeError('VALIDATION_FAILED', errors.map((e) => `line ${e.line}: ${e.reason}`).join('\n'));
  return rt.db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    const agents = await trx.selectFrom('agents').select(['id', 'email']).execute();
    const byKey = new Map<string, string>();
    for (const a of agents) { byKey.set(a.id.toLowerCase(), a.id); if (a.email) byKey.set(a.email.toLowerCase(), a.id); }
    const missing = rows.filter((r) => !byKey.has(r.agent.toLowerCase()));
    if (missing.length > 0) throw new KeyholeError('NOT_FOUND', missing.map((r) => `line ${r.line}: no agent ${r.agent}`).join('\n'));
    let changed = 0;
    const now = rt.clock.now();
    const requestId = newId('req');
    for (const r of rows) {
      const agentId = byKey.get(r.agent.toLowerCase())!;
      const before = await getRoster(trx as unknown as DetectDb, agentId);
      if (before && rosterText(before) === rosterText(r.shift)) continue;
      await writeRoster(trx as unknown as DetectDb, agentId, r.shift, now);
      await appendAudit(trx, {
        v: 1, time: now.toISOString(), requestId, action: 'roster_update', agentId: null, customerId: null, ticketId: null, decision: 'allow',
        fields: {}, policyIds: [], reason: `roster import from ${file.split(/[\\/]/).pop()}`,
        details: { target: agentId, before: before ? rosterText(before) : null, after: rosterText(r.shift), actor: 'cli', by },
      });
      changed++;
    }
    return { changed, unchanged: rows.length - changed };
  });
}

/** Adds `rosters` to the `import` command of `program` (creating `import` if absent). */
export function registerRosterImport(program: Command, withRuntime: WithRuntime): void {
  const imp = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('bring records in from the exchange');
  withStoreOptions(imp.command('rosters').argument('<file>', 'CSV with the header agent,start,hours,days (agent: id or e-mail; start: HH:MM UTC; days: mon-fri or mon;wed;fri)'))
    .description('set shift rosters for the off-shift detector (all rows or none; each change on the audit log)')
    .requiredOption('--by <name>', 'who imports (recorded on the log)')
    .action(async (file: string, o: { dataDir?: string; by: string }) => {
      const r = await withRuntime(o, (rt) => importRosters(rt, file, o.by));
      console.log(`rosters: ${r.changed} changed, ${r.unchanged} unchanged`);
    });
}
