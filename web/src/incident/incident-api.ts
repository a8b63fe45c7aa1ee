// The incident-response API as the console uses it (tag `incident`, security role): response
// shapes mirroring src/incident/schemas.ts, and one function per call. No shape here has room
// for a customer field value: blast radius, timeline and drafts carry ids, field names, levels.
import { get, post, put, query } from '../api/client';
import type { Level } from '../api/types';
import type { Item, ResponseBody } from '../api/wire';

export interface IncidentScope {
  readonly agentIds: readonly string[];
  readonly vendor: string | null;
  readonly since: string | null;
  readonly until: string;
}

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
  readonly source: 'console' | 'cli' | 'detector';
  readonly status: 'open' | 'closed';
  readonly scope: IncidentScope;
  readonly openedBy: string | null;
  readonly containmentId: string | null;
  readonly logSize: number;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
}

/** One row of an incident's history: `actor` is an agent id or `system:<name>`. */
export interface IncidentAction {
  readonly id: number;
  readonly action: string;
  readonly actor: string | null;
  readonly at: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface Contained {
  readonly agentId: string;
  readonly grantsRevoked: number;
  readonly sessionsEnded: number;
}

/** GET /v1/incidents/{id}/blast-radius (generated from the server's schema): one page of the
 *  affected customers (`page`), with the totals of every customer. */
export type BlastRadius = ResponseBody<'/v1/incidents/{id}/blast-radius', 'get'>;
export type BlastCustomer = Item<BlastRadius['customers']>;
export type FieldExposure = Item<BlastCustomer['fields']>;
export type BlastTotals = BlastRadius['totals'];

/** Which customers of a blast radius to fetch (see BlastRadiusQuery on the server). */
export interface BlastPageQuery {
  readonly offset: number;
  readonly limit: number;
  readonly q?: string;
}

export interface TimelineItem {
  readonly seq: number;
  readonly record: {
    readonly time: string;
    readonly requestId: string;
    readonly action: string;
    readonly agentId: string | null;
    readonly customerId: string | null;
    readonly ticketId: string | null;
    readonly decision: 'allow' | 'deny';
    readonly fields: Readonly<Record<string, string>>;
    readonly reason: string | null;
    readonly details: Readonly<Record<string, unknown>>;
  };
  readonly exposes: readonly { readonly field: string; readonly level: string }[];
}

export interface TimelinePage {
  readonly size: number;
  readonly items: readonly TimelineItem[];
  readonly nextAfter: number | null;
}

export interface Proofs {
  readonly size: number;
  readonly checkpoint: string;
  readonly entries: readonly { readonly seq: number; readonly entry: string; readonly proof: string }[];
}

export const PROTECTION_KINDS = ['never_call_banner', 'withdrawal_cooldown', 'reverification'] as const;
export type ProtectionKind = (typeof PROTECTION_KINDS)[number];

export interface Protection {
  readonly id: string;
  readonly incidentId: string;
  readonly customerId: string;
  readonly kind: ProtectionKind;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly basis: readonly string[];
  readonly appliedBy: string | null;
  readonly appliedAt: string;
  readonly liftedBy: string | null;
  readonly liftedAt: string | null;
  readonly liftReason: string | null;
  readonly active: boolean;
}

export interface Template {
  readonly key: 'customer_notice';
  readonly version: number;
  readonly subject: string;
  readonly body: string;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
  readonly variables: readonly string[];
}

export interface Draft {
  readonly customerId: string;
  readonly accountId: string;
  readonly templateVersion: number;
  readonly subject: string;
  readonly text: string;
  readonly data: {
    readonly seen: readonly { readonly field: string; readonly level: string; readonly count: number; readonly firstAt: string; readonly lastAt: string }[];
    readonly measures: readonly string[];
    readonly advice: readonly string[];
  };
}

export interface Preview {
  readonly templateVersion: number;
  readonly total: number;
  readonly drafts: readonly Draft[];
}

export type Channel = 'email' | 'webhook';

/** Outbox counts by status (pending, sending, sent, failed) per channel. */
export interface NotificationStatus {
  readonly email: Readonly<Record<string, number>>;
  readonly webhook: Readonly<Record<string, number>>;
  readonly protectionWebhook: Readonly<Record<string, number>>;
}

/** POST /v1/incidents: what the open form sends. */
export interface OpenIncidentInput {
  readonly agentIds?: readonly string[];
  readonly vendor?: string;
  readonly since?: string;
  readonly until?: string;
  readonly reason: string;
  readonly title?: string;
  readonly contain: boolean;
}

const base = (id: string) => `/v1/incidents/${encodeURIComponent(id)}`;

/** The calls, one per route. */
export const incidentApi = {
  list: (limit = 100) => get<{ incidents: Incident[] }>(`/v1/incidents${query({ limit })}`).then((r) => r.incidents),
  open: (input: OpenIncidentInput) => post<{ incident: Incident; contained: Contained[] }>('/v1/incidents', input),
  get: (id: string) => get<{ incident: Incident; actions: IncidentAction[] }>(base(id)),
  close: (id: string, reason: string) => post<Incident>(`${base(id)}/close`, { reason }),
  blastRadius: (id: string, page?: BlastPageQuery) => get<BlastRadius>(`${base(id)}/blast-radius${page ? query({ offset: page.offset, limit: page.limit, q: page.q }) : ''}`),
  timeline: (id: string, after: number, limit: number) => get<TimelinePage>(`${base(id)}/timeline${query({ after, limit })}`),
  proofs: (id: string, customerId: string) => get<Proofs>(`${base(id)}/customers/${encodeURIComponent(customerId)}/proofs`),
  protect: (id: string, body: { cooldownHours: number; kinds?: readonly ProtectionKind[] }) =>
    post<{ applied: Protection[]; existing: number }>(`${base(id)}/protections`, body),
  protections: (incidentId: string, active: boolean | undefined, after?: string) =>
    get<{ protections: Protection[] }>(`/v1/protections${query({ incidentId, active: active === undefined ? undefined : String(active), after, limit: 1000 })}`).then((r) => r.protections),
  lift: (protectionId: string, reason: string) => post<Protection>(`/v1/protections/${encodeURIComponent(protectionId)}/lift`, { reason }),
  template: () => get<Template>('/v1/incident-templates/customer_notice'),
  saveTemplate: (t: { subject: string; body: string }) => put<Template>('/v1/incident-templates/customer_notice', t),
  preview: (id: string, customerId?: string, limit = 5) => get<Preview>(`${base(id)}/notifications/preview${query({ customerId, limit })}`),
  notify: (id: string, channel: Channel, templateVersion: number) =>
    post<{ queued: number; alreadyQueued: number }>(`${base(id)}/notifications`, { channel, templateVersion }),
  notificationStatus: (id: string) => get<NotificationStatus>(`${base(id)}/notifications`),
  keys: () => get<{ log: string; evidence: string }>('/v1/incident-keys'),
  exportUrl: (id: string, format: 'csv' | 'json') => `${base(id)}/blast-radius/export${query({ format })}`,
  evidenceUrl: (id: string) => `${base(id)}/evidence`,
  reportUrl: (id: string) => `${base(id)}/report`,
};
