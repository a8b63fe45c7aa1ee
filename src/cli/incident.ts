// `keyhole incident …`: open and contain, list, show the blast radius, export, timeline, apply and
// lift protective measures, preview and queue notifications, run the outbox sender, write the
// evidence bundle and the regulator report, close. And `keyhole verify --bundle` (verifyBundle).
// The CLI acts as the system actor `cli` (whoever holds the database). docs/design/incident.md.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { newId } from '../access/ids.js';
import { verifyEvidenceBundle } from '../incident/bundle-verify.js';
import type { Actor } from '../incident/model.js';
import { PROTECTION_KINDS, type ProtectionKind } from '../incident/protection-rules.js';
import type { IncidentService } from '../incident/service.js';
import { incidentService } from '../server/routes/incident.js';
import { createRuntime } from '../server/runtime.js';
import { pinnedVerifierPolicy, type WitnessPolicyOptions } from '../audit/witness-policy-source.js';
import { KeyholeError } from '../shared/errors.js';
import { runtimeConfig, withStoreOptions } from './options.js';

type Opts = { dataDir?: string };

const cli = (): Actor => ({ kind: 'system', name: 'cli', requestId: newId('cli') });
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new KeyholeError('BAD_REQUEST', `not a whole number: ${v}`);
  return n;
};
const date = (v: string) => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new KeyholeError('BAD_REQUEST', `not a date: ${v}`);
  return d;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

async function withService<T>(o: Opts, fn: (svc: IncidentService) => Promise<T>): Promise<T> {
  const rt = await createRuntime(runtimeConfig(o, { integrate: false }));
  const svc = incidentService(rt);
  try {
    return await fn(svc);
  } finally {
    await svc.dispose();
    await rt.close();
  }
}

function output(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text, { mode: 0o600 });
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Adds `incident` and its subcommands to `program`. */
export function registerIncident(program: Command): void {
  const inc = program.command('incident').description('incident response: contain, blast radius, protect, notify, evidence');
  registerContain(inc);
  registerAnalysis(inc);
  registerProtectAndNotify(inc);
  registerEvidence(inc);
}

function registerContain(inc: Command): void {
  withStoreOptions(inc.command('open').description('open an incident and contain it (suspend the agents, revoke grants, end sessions)'))
    .option('--agent <id>', 'an agent in scope (repeatable)', collect)
    .option('--vendor <name>', 'every non-security member of staff of this vendor')
    .option('--since <iso>', 'start of the window (default: the beginning of the log)', date)
    .option('--until <iso>', 'end of the window (default: now)', date)
    .requiredOption('--reason <text>', 'why')
    .option('--title <text>', 'a title')
    .option('--no-contain', 'do not suspend the agents (a look back)')
    .action(async (o: Opts & { agent?: string[]; vendor?: string; since?: Date; until?: Date; reason: string; title?: string; contain: boolean }) => {
      const r = await withService(o, (s) => s.open(cli(), { agentIds: o.agent, vendor: o.vendor, since: o.since, until: o.until, reason: o.reason, title: o.title, source: 'cli', contain: o.contain }));
      console.log(`opened ${r.incident.id}: ${r.incident.title}`);
      for (const c of r.contained) console.log(`  contained ${c.agentId}: ${c.grantsRevoked} grants revoked, ${c.sessionsEnded} sessions ended`);
    });

  withStoreOptions(inc.command('list').description('incidents, newest first'))
    .action(async (o: Opts) => {
      for (const i of await withService(o, (s) => s.list({ limit: 100 }))) console.log(`${i.id}  ${i.status.padEnd(6)}  ${i.openedAt.toISOString()}  ${i.title}`);
    });

  withStoreOptions(inc.command('close').argument('<id>').description('close an incident (agents stay suspended)'))
    .option('--reason <text>', 'why', '')
    .action(async (id: string, o: Opts & { reason: string }) => {
      const i = await withService(o, (s) => s.close(cli(), id, o.reason));
      console.log(`closed ${i.id}`);
    });
}

function registerAnalysis(inc: Command): void {
  withStoreOptions(inc.command('show').argument('<id>').description('the blast radius totals of an incident'))
    .action(async (id: string, o: Opts) => {
      const b = await withService(o, (s) => s.blastRadius(id));
      const t = b.totals;
      console.log(`incident ${id}: ${t.customers} customers affected, ${t.records} log entries (signed log of ${b.log.size})${b.unsequenced ? `, ${b.unsequenced} not yet sequenced` : ''}`);
      console.log(`  high-balance customers: ${t.highBalance.customers}`);
      console.log(`  by jurisdiction: ${Object.entries(t.byJurisdiction).map(([j, n]) => `${j} ${n}`).join(', ')}`);
      for (const [f, v] of Object.entries(t.byField)) console.log(`  ${f.padEnd(20)} ${String(v.customers).padStart(6)} customers  ${String(v.count).padStart(7)} times  ${JSON.stringify(v.byLevel)}`);
    });

  withStoreOptions(inc.command('export').argument('<id>').description('the blast radius as CSV or JSON'))
    .option('--format <csv|json>', 'format', 'csv')
    .option('--out <file>', 'write to a file (mode 0600) instead of stdout')
    .action(async (id: string, o: Opts & { format: string; out?: string }) => {
      if (o.format !== 'csv' && o.format !== 'json') throw new KeyholeError('BAD_REQUEST', '--format is csv or json');
      output(await withService(o, (s) => s.exportBlastRadius(cli(), id, o.format as 'csv' | 'json')), o.out);
    });

  withStoreOptions(inc.command('timeline').argument('<id>').description('the agents\' activity in the window, in log order'))
    .option('--after <seq>', 'after this sequence number', num)
    .option('--limit <n>', 'records', num, 200)
    .action(async (id: string, o: Opts & { after?: number; limit: number }) => {
      const page = await withService(o, (s) => s.timeline(id, o.after ?? -1, o.limit));
      for (const it of page.items) {
        const r = it.record;
        console.log(`${String(it.seq).padStart(8)}  ${r.time}  ${r.agentId}  ${r.action.padEnd(14)} ${r.decision.padEnd(5)} ${r.customerId ?? '-'}  ${it.exposes.map((e) => `${e.field}:${e.level}`).join(' ')}`);
      }
      if (page.nextAfter !== null) console.log(`… more after ${page.nextAfter}`);
    });
}

function registerEvidence(inc: Command): void {
  withStoreOptions(inc.command('bundle').argument('<id>').description('write the signed evidence bundle (check it with `keyhole verify --bundle`)'))
    .requiredOption('--out <file>', 'the bundle file')
    .action(async (id: string, o: Opts & { out: string }) => {
      const b = await withService(o, (s) => s.evidence(cli(), id));
      writeFileSync(o.out, b.text, { mode: 0o600 });
      console.log(`wrote ${o.out}: ${b.bundle.entries.length} log entries, ${b.bundle.blastRadius.customers.length} customers, checkpoints ${b.bundle.log.checkpoints.length}`);
    });

  withStoreOptions(inc.command('report').argument('<id>').description('draft regulator report (GDPR Art. 33/34), Markdown'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (id: string, o: Opts & { out?: string }) => output(await withService(o, (s) => s.report(cli(), id)), o.out));
}

function registerProtectAndNotify(inc: Command): void {
  withStoreOptions(inc.command('protect').argument('<id>').description('apply protective measures to the affected customers by exposure'))
    .option('--cooldown-hours <n>', 'withdrawal cool-down on new addresses', num, 48)
    .option('--kind <kind>', `only this kind (repeatable): ${PROTECTION_KINDS.join(', ')}`, collect)
    .action(async (id: string, o: Opts & { cooldownHours: number; kind?: string[] }) => {
      if (o.kind?.some((k) => !(PROTECTION_KINDS as readonly string[]).includes(k))) throw new KeyholeError('BAD_REQUEST', `--kind is one of ${PROTECTION_KINDS.join(', ')}`);
      const r = await withService(o, (s) => s.protect(cli(), id, { cooldownHours: o.cooldownHours, kinds: o.kind as ProtectionKind[] | undefined }));
      console.log(`applied ${r.applied.length} measures (${r.existing} already in place)`);
    });

  withStoreOptions(inc.command('lift').argument('<protectionId>').description('lift a protective measure'))
    .requiredOption('--reason <text>', 'why')
    .action(async (pid: string, o: Opts & { reason: string }) => {
      const p = await withService(o, (s) => s.lift(cli(), pid, o.reason));
      console.log(`lifted ${p.id} (${p.kind}) for ${p.customerId}`);
    });

  withStoreOptions(inc.command('preview').argument('<id>').description('show the notifications as they would be sent'))
    .option('--customer <id>', 'one customer')
    .option('--limit <n>', 'how many', num, 1)
    .action(async (id: string, o: Opts & { customer?: string; limit: number }) => {
      const p = await withService(o, (s) => s.preview(id, { customerIds: o.customer ? [o.customer] : undefined, limit: o.limit }));
      console.log(`template version ${p.template.version}; ${p.total} customers affected\n`);
      for (const d of p.drafts) console.log(`--- ${d.customerId}\nSubject: ${d.subject}\n\n${d.text}`);
    });

  withStoreOptions(inc.command('notify').argument('<id>').description('queue one notification per affected customer (never twice)'))
    .requiredOption('--channel <email|webhook>', 'channel')
    .requiredOption('--template-version <n>', 'the template version shown by `preview`', num)
    .action(async (id: string, o: Opts & { channel: string; templateVersion: number }) => {
      if (o.channel !== 'email' && o.channel !== 'webhook') throw new KeyholeError('BAD_REQUEST', '--channel is email or webhook');
      const r = await withService(o, (s) => s.notify(cli(), id, { channel: o.channel as 'email' | 'webhook', templateVersion: o.templateVersion }));
      console.log(`queued ${r.queued} notifications (${r.alreadyQueued} already queued${r.skippedErased > 0 ? `; ${r.skippedErased} erased customers not notified` : ''})`);
    });

  withStoreOptions(inc.command('send').description('deliver the outbox (notifications, webhooks) until it is empty'))
    .option('--lease <seconds>', 'claim lease: how long a crashed sender holds its messages', num, 60)
    .option('--batch <n>', 'messages claimed at once', num, 10)
    .option('--max-wait <seconds>', 'stop waiting for retries after this long', num, 300)
    .action(async (o: Opts & { lease: number; batch: number; maxWait: number }) => {
      const r = await withService(o, async (s) => {
        const sender = s.sender({ leaseMs: o.lease * 1000, batchSize: o.batch });
        if (sender.channels.length === 0) throw new KeyholeError('CHANNEL_NOT_CONFIGURED', 'No delivery channel is configured (KEYHOLE_SMTP_URL, KEYHOLE_NOTIFY_WEBHOOK, KEYHOLE_PROTECTION_WEBHOOK).');
        return sender.drain(o.maxWait * 1000);
      });
      console.log(`sent ${r.sent}, retried ${r.retried}, failed ${r.failed}, outstanding ${r.outstanding}`);
    });
}

/** `keyhole verify --bundle FILE [--vkey KEY] [--evidence-key KEY]`: checks an evidence bundle
 *  offline. Without trusted keys, says so and prints the bundle's own keys to compare.
 *  @throws KeyholeError BUNDLE_INVALID (exit 11), BAD_REQUEST on an unreadable file. */
export function verifyBundle(o: { readonly bundle: string; readonly vkey?: string | undefined; readonly evidenceKey?: string | undefined; readonly witnesses?: WitnessPolicyOptions | undefined }): void {
  const witnessPolicy = pinnedVerifierPolicy(o.witnesses ?? {}, process.env); // else the bundle's own
  const r = verifyEvidenceBundle(readFile(o.bundle), {
    logVerifierKey: o.vkey && readKey(o.vkey), evidenceVerifierKey: o.evidenceKey && readKey(o.evidenceKey), witnessPolicy, now: Math.floor(Date.now() / 1000),
  });
  console.log(`bundle OK: incident ${r.incidentId}, ${r.entries} log entries included in the signed tree of ${r.treeSize} (checkpoints ${r.checkpoints.join(' → ')}), ${r.customers} customers`);
  if (r.witnesses.quorum > 0 || r.witnesses.cosignedBy.length > 0) {
    console.log(`witnessed: cosigned by ${r.witnesses.cosignedBy.join(', ') || 'none'} (${r.witnesses.quorum} of ${r.witnesses.of} required${r.pinned.witnesses ? '' : ', the bundle\'s own witness list: pass --witness-policy or --witness to pin it'})`);
  } else {
    console.log('warning: no witness policy: nothing shows the log did not rewrite history since (pass --witness-policy or --witness)');
  }
  if (!r.pinned.log || !r.pinned.evidence) {
    console.log(`warning: checked against the bundle's own keys; compare them with the exchange's published keys (or pass --vkey and --evidence-key):`);
    console.log(`  log key:      ${r.logVerifierKey}\n  evidence key: ${r.evidenceVerifierKey}`);
  }
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `cannot read ${path}`, { cause });
  }
}

function readKey(arg: string): string {
  return arg.includes('+') ? arg.trim() : readFile(arg).toString('utf8').trim();
}
