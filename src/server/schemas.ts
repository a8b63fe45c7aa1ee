// Response and request schemas shared by routes. Responses are strict allow-lists: a key that
// is not declared here is stripped by the serializer, so a decrypted value cannot leave by
// accident (STYLE.md convention 11).
import { z } from 'zod';
import { FIELD_NAMES, PURPOSES } from '../fields/catalog-types.js';
import { LEVELS } from '../fields/levels.js';

export const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** The error responses every authenticated route may give. */
export const errorResponses = {
  400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 410: ErrorSchema, 429: ErrorSchema, 500: ErrorSchema, 503: ErrorSchema,
} as const;

export const FieldNameSchema = z.enum(FIELD_NAMES);
export const PurposeSchema = z.enum(PURPOSES);
export const LevelSchema = z.enum(LEVELS);
export const IdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'an id of letters, digits, _ and -');

/** A rendered field value: masked strings, bands, or lists/records of them. Recursive, so the
 *  OpenAPI document holds it once as `components.schemas.Rendered` (zod's global registry). */
const RenderedSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(RenderedSchema), z.record(z.string(), RenderedSchema)])).meta({ id: 'Rendered' });

export const FieldViewSchema = z.object({
  name: FieldNameSchema,
  level: LevelSchema,
  value: RenderedSchema.nullable(),
  verifiable: z.boolean(),
  revealable: z.boolean(),
  grantExpiresAt: z.string().nullable(),
});

export const CustomerViewSchema = z.object({
  ticketId: z.string(),
  customerId: z.string(),
  purpose: PurposeSchema,
  fields: z.array(FieldViewSchema).readonly(),
  grantsUsed: z.array(z.string()).readonly(),
});

export const TicketSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  purpose: z.string(),
  status: z.enum(['open', 'closed']),
  assigneeId: z.string().nullable(),
  channel: z.string(),
  subject: z.string(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  contactCode: z.string().nullable(),
});

export const RevealRequestSchema = z.object({
  id: z.string(),
  ticketId: z.string(),
  agentId: z.string(),
  fields: z.array(FieldNameSchema).readonly(),
  reason: z.string(),
  approval: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  grant: z.object({ id: z.string(), expiresAt: z.string(), usedAt: z.string().nullable().describe('when its single use showed the value'),
    revokedAt: z.string().nullable().describe('when it was ended early') }).nullable(),
  /** Listings only (the approvals queue): who asked, about which ticket, who decided. */
  agentName: z.string().optional(),
  ticketSubject: z.string().optional(),
  ticketPurpose: z.string().optional(),
  decidedByName: z.string().nullable().optional(),
});

export const AgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['agent', 'supervisor', 'security']),
  team: z.string(),
  vendor: z.string(),
  regions: z.array(z.string()).readonly(),
  status: z.enum(['active', 'suspended']),
});
