// Response schemas of the customer portal's API (src/server/routes/customer.ts). Allow-lists as
// everywhere (STYLE.md 11): a staff id or anything not named here never reaches the customer;
// agents appear only by pseudonym. The portal's types are generated from these (`npm run gen:api`).
import { z } from 'zod';
import { FieldNameSchema } from '../schemas.js';

/** GET /v1/customer/receipts: one access receipt; `leaf` is the RFC 8785 JSON the log hashed (null while pending). */
export const ReceiptSchema = z.object({
  seq: z.number().nullable(),
  leaf: z.string().nullable(),
  time: z.string(),
  action: z.string(),
  decision: z.enum(['allow', 'deny']),
  ticketId: z.string().nullable(),
  purpose: z.string().nullable(),
  fields: z.record(z.string(), z.string()),
  breakGlass: z.boolean(),
  byCustomer: z.boolean(),
  agent: z.object({ pseudonym: z.string(), team: z.string(), vendor: z.string() }).nullable(),
  approvedBy: z.enum(['customer', 'staff', 'customer_and_staff']).nullable().describe('for a value shown through a grant: who approved it'),
  matched: z.boolean().nullable().describe("a verify's outcome"),
  protectionKind: z.string().nullable(),
  hours: z.number().nullable().describe("a cool-down's length"),
});

/** GET /v1/customer/consents: a reveal waiting for the customer's answer. */
export const ConsentRequestSchema = z.object({
  id: z.string(), ticketId: z.string(), fields: z.array(FieldNameSchema).readonly(), reason: z.string(),
  supervisorApproved: z.boolean(), createdAt: z.string(), expiresAt: z.string(),
});

/** GET /v1/customer/grants: a live grant on the customer's data (`shownAt` null: not yet used). */
export const CustomerGrantSchema = z.object({
  id: z.string(), ticketId: z.string(), fields: z.array(FieldNameSchema).readonly(), expiresAt: z.string(), shownAt: z.string().nullable(),
});

/** GET /v1/customer/checkup: the security scorecard (0–100). */
export const CheckupSchema = z.object({
  score: z.number(),
  items: z.array(z.object({
    id: z.enum(['two_factor', 'withdrawal_allowlist', 'anti_phishing_code', 'pgp_key']), status: z.enum(['good', 'fair', 'weak']),
    summary: z.string(), recommendation: z.string().nullable(),
  })).readonly(),
});

/** GET /v1/customer/notices. */
export const NoticeSchema = z.object({ id: z.number(), kind: z.string(), body: z.union([z.string(), z.record(z.string(), z.unknown())]).describe('JSON by kind (break_glass: ticketId, reason, approvers, until; contact_withdrawn: ticketId, withdrawnCode, reassigned)'), createdAt: z.string(), read: z.boolean() });
