// The shapes of the Keyhole API as the console uses them: short names for types generated from
// the server's OpenAPI document (schema.d.ts, `npm run gen:api`; the route's zod schema is the
// source of truth). No field value is typed more precisely than `Rendered`: the console shows
// what the server rendered.
import type { Item, ResponseBody } from './wire';

/** GET /v1/demo/agents: one staff member. */
export type Agent = Item<ResponseBody<'/v1/demo/agents', 'get'>['agents']>;
export type Role = Agent['role'];
export type Level = FieldView['level'];

/** GET /v1/me: the agent, the session code (watermark), the server clock, and `stepUp` (held
 *  under step-up by the detectors: reveal requests need the security team). */
export type Me = ResponseBody<'/v1/me', 'get'>;

/** A ticket; `contactCode` is the one-time code the customer's portal shows for it. */
export type Ticket = ResponseBody<'/v1/tickets/{id}', 'get'>;

/** A value as the server rendered it (masked, banded or revealed): `components.schemas.Rendered`
 *  spelled out, because TypeScript reads the generated self-referencing alias as `any`. */
export type Rendered = string | number | boolean | null | readonly Rendered[] | { readonly [key: string]: Rendered };

type WireFieldView = Item<ResponseBody<'/v1/tickets/{id}/customer', 'get'>['fields']>;
export type FieldView = Omit<WireFieldView, 'value'> & { readonly value: Rendered };
export type CustomerView = Omit<ResponseBody<'/v1/tickets/{id}/customer', 'get'>, 'fields'> & { readonly fields: readonly FieldView[] };

export type RevealRequest = Item<ResponseBody<'/v1/reveal-requests', 'get'>['requests']>;
export type RequestStatus = RevealRequest['status'];

export type VerifyResult = ResponseBody<'/v1/tickets/{id}/verify', 'post'>;

export type AuditPage = ResponseBody<'/v1/security/audit', 'get'>;
/** One audit record (never a field value). */
export type AuditRecord = Item<AuditPage['entries']>['record'];
export type AuditAction = AuditRecord['action'];

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'view', 'verify', 'lookup', 'reveal_request', 'reveal_approve', 'reveal_deny', 'grant_use', 'grant_revoke',
  'ticket_open', 'ticket_assign', 'ticket_close', 'agent_suspend', 'agent_reinstate', 'customer_erase',
];

/** GET /v1/security/agents: one agent's activity; `risk` decayed to now (null with detection off). */
export type AgentActivity = Item<ResponseBody<'/v1/security/agents', 'get'>['agents']>;

export type ActivityResponse = ResponseBody<'/v1/security/activity', 'get'>;

/** A break-glass request (GET /v1/break-glass): the only way past a customer's privacy lock. */
export type BreakGlass = Item<ResponseBody<'/v1/break-glass', 'get'>['requests']>;

/** GET /v1/reveal-requests/{id}/context: what a decider needs beside the request. */
export type ApprovalContext = ResponseBody<'/v1/reveal-requests/{id}/context', 'get'>;

/** GET /v1/detect/alerts: one alert with its explanation. */
export type DetectAlert = Item<ResponseBody<'/v1/detect/alerts', 'get'>['alerts']>;
/** One detector's contribution to an alert: the evidence (log seqs), figures and baseline. */
export type AlertSignal = Item<DetectAlert['explanation']['signals']>;

/** GET /v1/detect/agents/{id}/risk. */
export type AgentRisk = ResponseBody<'/v1/detect/agents/{id}/risk', 'get'>;

/** GET /v1/security/agents/{id}/grants. */
export type OpenGrant = Item<ResponseBody<'/v1/security/agents/{id}/grants', 'get'>['grants']>;
