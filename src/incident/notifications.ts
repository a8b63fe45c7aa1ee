// Customer notifications: one per affected customer and channel, saying what happened, exactly
// what was seen (from the blast radius), what was done (their measures) and what to do (advice
// for what was seen), rendered from the current template. Previewed first; queueing names the
// template version previewed, so what is sent is what was seen. docs/design/incident.md "Notify".
import { KeyholeError } from '../shared/errors.js';
import type { BlastCustomer, BlastRadius } from './blast-radius.js';
import { IncidentRecorder } from './incident-record.js';
import type { Actor, Incident, IncidentDb, IncidentDeps } from './model.js';
import { enqueue, type OutboxInput } from './outbox.js';
import { seenLine, utc } from './plain-words.js';
import { ADVICE, adviceTopics, MEASURE_WORDS, type AdviceTopic } from './protection-rules.js';
import { factsOf, listProtections, type Protection } from './protections.js';
import { currentTemplate, renderTemplate, type Template } from './templates.js';

/** The channels a customer notification goes by. */
export type NotificationChannel = 'email' | 'webhook';

/** What we never ask for (the "never ask" list of the notice and the portal). */
export const NEVER_ASK = ['your password', 'your 2FA or SMS codes', 'your seed phrase or private keys', 'to move funds to another address or a "safe wallet"', 'to install remote-access software'];

/** One rendered notification. `data` is the structured content (no field values). */
export interface NotificationDraft {
  readonly customerId: string;
  readonly accountId: string;
  /** When the customer was crypto-shredded, or null. An erased customer is not notified (no
   *  contact data is left); the draft says so in its subject line for the reviewer. */
  readonly erasedAt: string | null;
  readonly templateVersion: number;
  readonly subject: string;
  readonly text: string;
  readonly data: {
    readonly seen: readonly { readonly field: string; readonly level: string; readonly count: number; readonly firstAt: string; readonly lastAt: string }[];
    readonly measures: readonly string[];
    readonly advice: readonly AdviceTopic[];
  };
}

/** Renders the notification of customer `c` with `template`. */
export function draftFor(incident: Incident, c: BlastCustomer, measures: readonly Protection[], template: Template, exchange: string): NotificationDraft {
  const topics = adviceTopics(factsOf(c));
  const bullet = (lines: readonly string[]) => lines.map((l) => `- ${l}`).join('\n');
  const done = [`We removed the staff member's access to customer data on ${utc(incident.openedAt.toISOString())}.`, ...measures.map((p) => measureLine(p))];
  const vars = {
    exchange, accountId: c.accountId, reference: incident.id, containedAt: utc(incident.openedAt.toISOString()),
    // An empty period is never printed as "during ." (issue 14 item 6).
    period: !c.firstAt ? 'the period under investigation' : c.firstAt === c.lastAt || !c.lastAt ? utc(c.firstAt) : `${utc(c.firstAt)} to ${utc(c.lastAt)}`,
    seen: bullet(c.fields.map(seenLine)), done: bullet(done), todo: bullet(topics.map((t) => `${ADVICE[t].title}: ${ADVICE[t].text}`)), neverAsk: bullet(NEVER_ASK),
  };
  const erasedAt = c.erasedAt ?? null;
  return {
    customerId: c.customerId, accountId: c.accountId, erasedAt, templateVersion: template.version,
    subject: `${erasedAt === null ? '' : `[not sent: customer erased on ${utc(erasedAt)}] `}${renderTemplate(template.subject, vars)}`,
    text: renderTemplate(template.body, vars),
    data: {
      seen: c.fields.map((f) => ({ field: f.field, level: f.level, count: f.count, firstAt: f.firstAt, lastAt: f.lastAt })),
      measures: measures.map((p) => p.kind), advice: topics,
    },
  };
}

function measureLine(p: Protection): string {
  if (p.kind === 'withdrawal_cooldown') return `Withdrawals to newly added addresses are held for ${Number(p.params.hours ?? 48)} hours before they are sent.`;
  return MEASURE_WORDS[p.kind];
}

/** The drafts of the affected customers (`customerIds`, or the first `limit`) with the current
 *  template, and that template. */
export async function previewNotifications(
  db: IncidentDb, incident: Incident, blast: BlastRadius, opts: { readonly customerIds?: readonly string[] | undefined; readonly limit: number; readonly exchange: string },
): Promise<{ readonly template: Template; readonly drafts: readonly NotificationDraft[]; readonly total: number }> {
  const template = await currentTemplate(db, 'customer_notice');
  const wanted = opts.customerIds ? new Set(opts.customerIds) : undefined;
  const targets = blast.customers.filter((c) => !wanted || wanted.has(c.customerId)).slice(0, opts.limit);
  const measures = await activeMeasures(db, incident.id);
  return { template, total: blast.customers.length, drafts: targets.map((c) => draftFor(incident, c, measures.get(c.customerId) ?? [], template, opts.exchange)) };
}

/** Queues one notification per affected customer (or per `customerIds`) on `channel`, rendered
 *  with template version `templateVersion` (the one previewed), with idempotency key
 *  `ntf:<incident>:<customer>:<channel>`: queueing twice never sends twice. Records
 *  `notification_queue` with the counts.
 *  @throws KeyholeError TEMPLATE_STALE when the template changed since the preview. */
export async function queueNotifications(
  deps: IncidentDeps, actor: Actor, incident: Incident, blast: BlastRadius,
  opts: { readonly channel: NotificationChannel; readonly templateVersion: number; readonly customerIds?: readonly string[] | undefined; readonly exchange: string },
): Promise<{ readonly queued: number; readonly alreadyQueued: number; readonly skippedErased: number }> {
  const recorder = new IncidentRecorder(deps, actor);
  const result = await deps.db.transaction().execute(async (trx) => {
    const template = await currentTemplate(trx, 'customer_notice');
    if (template.version !== opts.templateVersion) throw new KeyholeError('TEMPLATE_STALE');
    const wanted = opts.customerIds ? new Set(opts.customerIds) : undefined;
    const measures = await activeMeasures(trx, incident.id);
    const targets = blast.customers.filter((c) => !wanted || wanted.has(c.customerId));
    const live = targets.filter((c) => (c.erasedAt ?? null) === null); // an erased customer has no contact data left
    const skippedErased = targets.length - live.length;
    const items = live.map((c): OutboxInput => {
      const d = draftFor(incident, c, measures.get(c.customerId) ?? [], template, opts.exchange);
      const key = `ntf:${incident.id}:${c.customerId}:${opts.channel}`;
      return {
        idempotencyKey: key, incidentId: incident.id, customerId: c.customerId, channel: opts.channel, subject: d.subject, body: d.text,
        payload: { id: key, type: 'customer.notification', incidentId: incident.id, customerId: c.customerId, accountId: c.accountId, subject: d.subject, text: d.text, ...d.data },
      };
    });
    const queued = await enqueue(trx, items, deps.clock.now());
    await recorder.record(trx, {
      action: 'notification_queue', incidentId: incident.id,
      details: { channel: opts.channel, templateVersion: template.version, queued, alreadyQueued: items.length - queued, skippedErased },
    });
    return { queued, alreadyQueued: items.length - queued, skippedErased };
  });
  recorder.publish();
  return result;
}

/** The active measures of an incident, by customer. */
async function activeMeasures(db: IncidentDb, incidentId: string): Promise<Map<string, Protection[]>> {
  const out = new Map<string, Protection[]>();
  for (let after: string | undefined; ;) {
    const page = await listProtections(db, { incidentId, active: true, after, limit: 5000 });
    for (const p of page) out.set(p.customerId, [...(out.get(p.customerId) ?? []), p]);
    if (page.length < 5000) return out;
    after = page.at(-1)!.id;
  }
}
