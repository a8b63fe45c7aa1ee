// The incident API's request and response schemas (zod), for src/server/routes/incident.ts and
// the OpenAPI document (tag `incident`). Responses are strict allow-lists: nothing undeclared
// leaves, and no schema here has room for a customer field value.
import { z } from 'zod';
import { LEVELS } from '../fields/levels.js';
import { PROTECTION_KINDS, ADVICE_TOPICS } from './protection-rules.js';
import { TEMPLATE_KEYS, TEMPLATE_VARIABLES } from './templates.js';

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'an id of letters, digits, _ and -');
const Iso = z.iso.datetime({ offset: true });

export const OpenIncidentBody = z.strictObject({
  agentIds: z.array(Id).max(500).optional().describe('agents in scope'),
  vendor: z.string().min(1).max(100).optional().describe('every non-security member of staff of this vendor'),
  since: Iso.optional().describe('start of the window (default: the beginning of the log)'),
  until: Iso.optional().describe('end of the window (default: now, the moment of containment)'),
  reason: z.string().min(1).max(2000),
  title: z.string().max(200).optional(),
  contain: z.boolean().default(true).describe('suspend the agents, revoke their grants, end their sessions'),
}).refine((b) => (b.agentIds?.length ?? 0) > 0 || b.vendor !== undefined, { message: 'give agentIds or vendor' });

export const IncidentSchema = z.object({
  id: z.string(), title: z.string(), reason: z.string(), source: z.enum(['console', 'cli', 'detector']), status: z.enum(['open', 'closed']),
  scope: z.object({ agentIds: z.array(z.string()).readonly(), vendor: z.string().nullable(), since: z.string().nullable(), until: z.string() }),
  openedBy: z.string().nullable(), containmentId: z.string().nullable(), logSize: z.number().int().describe('signed log size at opening'),
  openedAt: z.string(), closedAt: z.string().nullable(), closedBy: z.string().nullable(),
});

export const OpenedSchema = z.object({
  incident: IncidentSchema,
  contained: z.array(z.object({ agentId: z.string(), grantsRevoked: z.number().int(), sessionsEnded: z.number().int() })).readonly(),
});

const LevelSchema = z.enum(LEVELS);
const FieldExposureSchema = z.object({
  field: z.string().describe('a customer field, or `existence` for a lookup'), level: LevelSchema.describe('highest level shown'),
  count: z.number().int().describe('records that showed it'), firstAt: z.string(), lastAt: z.string(), seqs: z.array(z.number().int()).readonly(),
});

export const BlastCustomerSchema = z.object({
  customerId: z.string(), accountId: z.string(), jurisdiction: z.string(), tier: z.string(), highBalance: z.boolean(),
  erasedAt: z.string().nullable().optional().describe('when the customer was crypto-shredded; null when not (no contact data is left to notify)'),
  fields: z.array(FieldExposureSchema).readonly(), seqs: z.array(z.number().int()).readonly().describe('exposing log entries'),
  firstAt: z.string(), lastAt: z.string(), agents: z.array(z.string()).readonly(),
});

const Counts = z.record(z.string(), z.number());
export const BlastRadiusSchema = z.object({
  incidentId: z.string(),
  scope: z.object({ agentIds: z.array(z.string()).readonly(), since: z.string().nullable(), until: z.string() }),
  log: z.object({ size: z.number().int(), checkpoint: z.string().nullable().describe('the signed checkpoint note the figures are exact against') }),
  computedAt: z.string(), unsequenced: z.number().int().describe('records of the agents not yet on the log (not included)'),
  customers: z.array(BlastCustomerSchema).readonly().describe('one page of the customers (see `page`); the exports hold every customer'),
  page: z.object({
    offset: z.number().int(), limit: z.number().int(), q: z.string(),
    matching: z.number().int().describe('customers the filter `q` matches (totals.customers counts all)'),
  }),
  totals: z.object({
    customers: z.number().int(), records: z.number().int(),
    byField: z.record(z.string(), z.object({ customers: z.number().int(), count: z.number().int(), byLevel: Counts })),
    byLevel: z.record(z.string(), z.object({ customers: z.number().int(), fields: z.number().int() })),
    byJurisdiction: Counts, highBalance: z.object({ customers: z.number().int(), byField: Counts }),
  }),
});

export const BlastRadiusQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0).describe('skip this many matching customers'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('customers per page'),
  q: z.string().max(100).optional().describe('case-insensitive text in a customer id, account id, jurisdiction, tier or field name'),
});

export const TimelineQuery = z.strictObject({
  after: z.coerce.number().int().min(-1).default(-1).describe('continue after this sequence number'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const DetailValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()).readonly()]);
export const TimelineSchema = z.object({
  size: z.number().int(),
  items: z.array(z.object({
    seq: z.number().int(),
    record: z.object({
      v: z.literal(1), time: z.string(), requestId: z.string(), action: z.string(), agentId: z.string().nullable(), customerId: z.string().nullable(),
      ticketId: z.string().nullable(), decision: z.enum(['allow', 'deny']), fields: z.record(z.string(), z.string()), policyIds: z.array(z.string()).readonly(),
      reason: z.string().nullable(), details: z.record(z.string(), DetailValue),
    }),
    exposes: z.array(z.object({ field: z.string(), level: z.string() })).readonly(),
  })).readonly(),
  nextAfter: z.number().int().nullable(),
});

export const ProofsSchema = z.object({
  size: z.number().int(), checkpoint: z.string(),
  entries: z.array(z.object({ seq: z.number().int(), entry: z.string().describe('RFC 8785 JSON: the leaf data'), proof: z.string().describe('C2SP tlog-proof') })),
});

export const ProtectBody = z.strictObject({
  cooldownHours: z.number().int().min(1).max(24 * 30).default(48).describe('withdrawal cool-down on new addresses'),
  kinds: z.array(z.enum(PROTECTION_KINDS)).min(1).optional().describe('default: every kind the exposure calls for'),
  customerIds: z.array(Id).max(100_000).optional().describe('default: every affected customer'),
});

export const ProtectionSchema = z.object({
  id: z.string(), incidentId: z.string(), customerId: z.string(), kind: z.enum(PROTECTION_KINDS),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), basis: z.array(z.string()).readonly().describe('field:level exposures behind it'),
  appliedBy: z.string().nullable(), appliedAt: z.string(), liftedBy: z.string().nullable(), liftedAt: z.string().nullable(), liftReason: z.string().nullable(),
  active: z.boolean(),
});

export const ProtectionsQuery = z.strictObject({
  customerId: Id.optional(), incidentId: Id.optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  after: Id.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const ProtectionSummarySchema = z.object({
  customerId: z.string(), withdrawalCooldownHours: z.number().nullable(), reverificationRequired: z.boolean(), neverCallBanner: z.boolean(),
});

export const CustomerProtectionsSchema = z.object({
  banner: z.string().nullable(),
  measures: z.array(z.object({ kind: z.enum(PROTECTION_KINDS), text: z.string(), since: z.string(), hours: z.number().nullable() })).readonly(),
  advice: z.array(z.object({ topic: z.enum(ADVICE_TOPICS), title: z.string(), text: z.string() })).readonly(),
});

export const TemplateSchema = z.object({
  key: z.enum(TEMPLATE_KEYS), version: z.number().int().describe('0: the shipped default'), subject: z.string(), body: z.string(),
  updatedBy: z.string().nullable(), updatedAt: z.string().nullable(), variables: z.array(z.enum(TEMPLATE_VARIABLES)).readonly(),
});

export const TemplateBody = z.strictObject({ subject: z.string().min(1).max(300), body: z.string().min(1).max(20_000) });

export const PreviewQuery = z.strictObject({
  customerId: Id.optional().describe('one customer; default: the first `limit` affected'),
  limit: z.coerce.number().int().min(1).max(50).default(5),
});

export const DraftSchema = z.object({
  customerId: z.string(), accountId: z.string(), erasedAt: z.string().nullable().describe('when the customer was erased (not notified); null when not'),
  templateVersion: z.number().int(), subject: z.string(), text: z.string(),
  data: z.object({
    seen: z.array(z.object({ field: z.string(), level: z.string(), count: z.number().int(), firstAt: z.string(), lastAt: z.string() })).readonly(),
    measures: z.array(z.string()).readonly(), advice: z.array(z.string()).readonly(),
  }),
});

export const NotifyBody = z.strictObject({
  channel: z.enum(['email', 'webhook']),
  templateVersion: z.number().int().min(0).describe('the version shown by the preview'),
  customerIds: z.array(Id).max(100_000).optional(),
});

export const NotificationStatusSchema = z.object({ email: Counts, webhook: Counts, protectionWebhook: Counts });
