// The incident module's operations bound to their dependencies, as the HTTP routes and the CLI
// use them: open and contain, blast radius and timeline (integrating pending records first),
// proofs, protective measures, templates, notifications, the outbox sender, the evidence bundle
// and the regulator report. docs/design/incident.md.
import type { BrokerEvents } from '../access/events.js';
import { LogReader } from '../audit/log-reader.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import type { KeyProvider } from '../vault/key-provider.js';
import type { Vault } from '../vault/vault.js';
import { blastRadiusCsv, blastRadiusJson } from './blast-export.js';
import { computeBlastRadius, type BlastRadius } from './blast-radius.js';
import type { IncidentConfig } from './config.js';
import { customerProtections } from './customer-protections.js';
import type { WitnessPolicy } from '../shared/tlog/witness-policy.js';
import { buildEvidenceBundle, type BuiltBundle } from './evidence-bundle.js';
import { evidenceKey, type EvidenceKey } from './evidence-key.js';
import { IncidentRecorder, listIncidentActions } from './incident-record.js';
import type { Actor, Incident, IncidentDb, IncidentDeps } from './model.js';
import type { Notifier } from './notifier.js';
import { previewNotifications, queueNotifications, type NotificationChannel } from './notifications.js';
import { closeIncident, listIncidents, loadIncident, openIncident, type OpenIncidentInput } from './open-incident.js';
import { outboxCounts, type OutboxChannel } from './outbox.js';
import { OutboxSender, type OutboxSenderOptions } from './outbox-sender.js';
import { applyProtections, liftProtection, listProtections, summarize, type ApplyOptions, type ProtectionFilter } from './protections.js';
import type { ProtectionKind } from './protection-rules.js';
import { regulatorReport } from './regulator-report.js';
import { SmtpNotifier } from './smtp-notifier.js';
import { currentTemplate, saveTemplate, type Template, type TemplateKey } from './templates.js';
import { timelinePage } from './timeline.js';
import { WebhookNotifier } from './webhook-notifier.js';

/** What the service runs on. `integrate` sequences pending audit records (the integrator's
 *  drain) so a blast radius includes everything acknowledged; `notifiers` overrides the ones
 *  built from `config` (tests). */
export interface IncidentServiceDeps {
  readonly db: IncidentDb;
  readonly clock: Clock;
  readonly events?: BrokerEvents | undefined;
  readonly vault: Vault;
  readonly keys: KeyProvider;
  readonly log: { readonly origin: string; readonly verifierKey: string; readonly witnesses?: WitnessPolicy | undefined };
  readonly integrate?: (() => Promise<unknown>) | undefined;
  readonly config: IncidentConfig;
  readonly notifiers?: Readonly<Partial<Record<OutboxChannel, Notifier>>> | undefined;
}

/** Incident response over one database. */
export class IncidentService {
  readonly #d: IncidentServiceDeps;
  #evidence: Promise<EvidenceKey> | undefined;
  #built: Partial<Record<OutboxChannel, Notifier>> | undefined;

  constructor(deps: IncidentServiceDeps) {
    this.#d = deps;
  }

  get #deps(): IncidentDeps {
    return { db: this.#d.db, clock: this.#d.clock, events: this.#d.events };
  }

  /** See openIncident. */
  open(actor: Actor, input: OpenIncidentInput) {
    return openIncident(this.#deps, actor, input);
  }
  /** See loadIncident. */
  get(id: string): Promise<Incident> {
    return loadIncident(this.#d.db, id);
  }
  /** See listIncidents. */
  list(opts: { readonly limit: number; readonly before?: Date | undefined }) {
    return listIncidents(this.#d.db, opts);
  }
  /** See closeIncident. */
  close(actor: Actor, id: string, reason: string) {
    return closeIncident(this.#deps, actor, id, reason);
  }

  /** The history of incident `id` (who did what). */
  async actions(id: string) {
    await this.get(id);
    return listIncidentActions(this.#d.db, id);
  }

  /** The blast radius as CSV or JSON text; the export is recorded (`evidence_export`). */
  async exportBlastRadius(actor: Actor, id: string, format: 'csv' | 'json'): Promise<string> {
    const blast = await this.blastRadius(id);
    await this.#recordExport(actor, id, { kind: `blast_radius_${format}`, customers: blast.customers.length, treeSize: blast.log.size });
    return format === 'csv' ? blastRadiusCsv(blast) : blastRadiusJson(blast);
  }

  async #recordExport(actor: Actor, id: string, details: Record<string, string | number>): Promise<void> {
    const recorder = new IncidentRecorder(this.#deps, actor);
    await this.#d.db.transaction().execute((trx) => recorder.record(trx, { action: 'evidence_export', incidentId: id, details }));
    recorder.publish();
  }

  /** The blast radius over the log once pending records are integrated. */
  async blastRadius(id: string): Promise<BlastRadius> {
    const incident = await this.get(id);
    await this.#d.integrate?.();
    return computeBlastRadius(this.#d.db, incident, this.#d.clock.now());
  }

  /** A page of the agents' activity (see timelinePage). */
  async timeline(id: string, after: number, limit: number) {
    const incident = await this.get(id);
    await this.#d.integrate?.();
    return timelinePage(this.#d.db, incident, after, limit);
  }

  /** The C2SP tlog-proofs of every record that exposed `customerId` in incident `id`, with the
   *  records, against the latest signed checkpoint. @throws NOT_FOUND when not affected. */
  async proofs(id: string, customerId: string) {
    const blast = await this.blastRadius(id);
    const c = blast.customers.find((x) => x.customerId === customerId);
    if (!c) throw new KeyholeError('NOT_FOUND', 'This customer is not affected by the incident.');
    const reader = new LogReader(this.#d.db);
    const rows = await this.#d.db.selectFrom('audit_log').select(['seq', 'entry']).where('seq', 'in', [...c.seqs]).orderBy('seq').execute();
    const entries = [];
    for (const r of rows) entries.push({ seq: Number(r.seq), entry: r.entry, proof: await reader.entryProof(Number(r.seq), blast.log.size) });
    return { size: blast.log.size, checkpoint: blast.log.checkpoint ?? '', entries };
  }

  /** Applies the measures the exposure of each affected customer calls for. */
  async protect(actor: Actor, id: string, opts: Omit<ApplyOptions, 'webhook'>) {
    const blast = await this.blastRadius(id);
    return applyProtections(this.#deps, actor, blast, { ...opts, webhook: this.#d.config.protectionWebhook !== null });
  }
  /** See liftProtection. */
  lift(actor: Actor, protectionId: string, reason: string) {
    return liftProtection(this.#deps, actor, protectionId, reason, this.#d.config.protectionWebhook !== null);
  }
  /** See listProtections. */
  protections(f: ProtectionFilter) {
    return listProtections(this.#d.db, f);
  }
  /** What the exchange enforces for one customer now. */
  async protectionSummary(customerId: string) {
    return summarize(customerId, await listProtections(this.#d.db, { customerId, active: true, limit: 100 }));
  }
  /** See customerProtections (the customer portal). */
  customerView(customerId: string) {
    return customerProtections(this.#d.db, customerId);
  }

  /** The current version of template `key`. */
  template(key: TemplateKey): Promise<Template> {
    return currentTemplate(this.#d.db, key);
  }
  /** Saves a new version of template `key` (see saveTemplate). */
  saveTemplate(actor: Actor, key: TemplateKey, input: { readonly subject: string; readonly body: string }): Promise<Template> {
    return saveTemplate(this.#d.db, key, input, actor.kind === 'agent' ? actor.agentId : null, this.#d.clock.now());
  }

  /** Rendered notifications for review before sending. */
  async preview(id: string, opts: { readonly customerIds?: readonly string[] | undefined; readonly limit: number }) {
    const incident = await this.get(id);
    return previewNotifications(this.#d.db, incident, await this.blastRadius(id), { ...opts, exchange: this.#d.config.exchange });
  }
  /** Queues the notifications. @throws KeyholeError CHANNEL_NOT_CONFIGURED, TEMPLATE_STALE. */
  async notify(actor: Actor, id: string, opts: { readonly channel: NotificationChannel; readonly templateVersion: number; readonly customerIds?: readonly string[] | undefined }) {
    const configured = this.#d.notifiers ? this.#d.notifiers[opts.channel] !== undefined : opts.channel === 'email' ? this.#d.config.smtp !== null : this.#d.config.notifyWebhook !== null;
    if (!configured) throw new KeyholeError('CHANNEL_NOT_CONFIGURED', `The ${opts.channel} channel is not configured.`);
    const incident = await this.get(id);
    return queueNotifications(this.#deps, actor, incident, await this.blastRadius(id), { ...opts, exchange: this.#d.config.exchange });
  }
  /** Notification counts by status, per channel. */
  async notificationStatus(id: string) {
    await this.get(id);
    return { email: await outboxCounts(this.#d.db, id, 'email'), webhook: await outboxCounts(this.#d.db, id, 'webhook'), protectionWebhook: await outboxCounts(this.#d.db, id, 'protection_webhook') };
  }

  /** The evidence signing key. */
  evidenceKey(): Promise<EvidenceKey> {
    this.#evidence ??= evidenceKey(this.#d.keys, this.#d.log.origin);
    return this.#evidence;
  }
  /** Builds the signed evidence bundle (integrating pending records first). */
  async evidence(actor: Actor, id: string): Promise<BuiltBundle> {
    const incident = await this.get(id);
    await this.#d.integrate?.();
    const built = await buildEvidenceBundle({ ...this.#deps, log: this.#d.log, evidence: await this.evidenceKey() }, actor, incident);
    await this.#d.integrate?.(); // the evidence_export record
    return built;
  }

  /** The draft regulator report (Markdown); recorded as an export. */
  async report(actor: Actor, id: string): Promise<string> {
    const incident = await this.get(id);
    const blast = await this.blastRadius(id);
    const protections: Partial<Record<ProtectionKind, number>> = {};
    for (let after: string | undefined; ;) {
      const page = await listProtections(this.#d.db, { incidentId: id, active: true, after, limit: 5000 });
      for (const p of page) protections[p.kind] = (protections[p.kind] ?? 0) + 1;
      if (page.length < 5000) break;
      after = page.at(-1)!.id;
    }
    await this.#recordExport(actor, id, { kind: 'regulator_report', customers: blast.customers.length, treeSize: blast.log.size });
    return regulatorReport(incident, blast, {
      exchange: this.#d.config.exchange, contact: this.#d.config.dpoContact, protections,
      notifications: await outboxCounts(this.#d.db, id, 'email'), generatedAt: this.#d.clock.now(),
    });
  }

  /** An outbox sender over the configured channels (options override the defaults). */
  sender(opts: Partial<Pick<OutboxSenderOptions, 'leaseMs' | 'batchSize' | 'maxAttempts' | 'retryDelayMs' | 'afterAccepted'>> = {}): OutboxSender {
    return new OutboxSender({
      db: this.#d.db, clock: this.#d.clock, events: this.#d.events, notifiers: this.#notifiers(), messageIdDomain: this.#d.config.messageIdDomain,
      emailOf: async (customerId) => {
        const email = (await this.#d.vault.readFields(this.#d.db, customerId, ['email'])).get('email');
        return typeof email === 'string' ? email : null;
      },
      ...opts,
    });
  }

  /** Releases the notifiers this service built (pooled SMTP connections). */
  async dispose(): Promise<void> {
    const built = this.#built;
    this.#built = undefined;
    for (const n of Object.values(built ?? {})) await n.close?.();
  }

  #notifiers(): Partial<Record<OutboxChannel, Notifier>> {
    if (this.#d.notifiers) return { ...this.#d.notifiers };
    const c = this.#d.config;
    return this.#built ??= {
      ...(c.smtp ? { email: new SmtpNotifier(c.smtp) } : {}),
      ...(c.notifyWebhook ? { webhook: new WebhookNotifier({ ...c.notifyWebhook, clock: this.#d.clock }) } : {}),
      ...(c.protectionWebhook ? { protection_webhook: new WebhookNotifier({ ...c.protectionWebhook, clock: this.#d.clock }) } : {}),
    };
  }
}
