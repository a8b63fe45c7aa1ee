// Translation of Keyhole's request facts into Cedar entities, uids and contexts, in the shapes
// policies/keyhole.cedarschema declares (namespace Keyhole). Pure; no Cedar calls here.
// Entity ids come from the database and are attacker-influenced strings; they only ever travel
// as JSON values, never spliced into policy text.
import type { Context, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import { levelRank } from '../fields/levels.js';
import { purposeRule } from '../fields/purposes.js';
import type { CedarRequest } from './cedar-call.js';
import type { ActionInput, PolicyAgent, PolicyCustomer, PolicyTicket } from './types.js';

/** The Cedar uid `Keyhole::<type>::"<id>"`. */
export function uid(type: string, id: string): TypeAndId {
  return { type: `Keyhole::${type}`, id };
}

const ref = (type: string, id: string) => ({ __entity: uid(type, id) });

/** The Agent entity (principal, or an assignee/requester when it is the principal). */
export function agentEntity(a: PolicyAgent): EntityJson {
  return {
    uid: uid('Agent', a.id),
    attrs: {
      role: ref('Role', a.role), team: a.team, vendor: a.vendor, regions: [...a.regions],
      suspended: a.suspended, stepUp: a.stepUp ?? false,
    },
    parents: [],
  };
}

/** The Ticket and Customer entities of a ticket-scoped request. */
export function ticketEntities(t: PolicyTicket, c: PolicyCustomer): EntityJson[] {
  const ticket: EntityJson = {
    uid: uid('Ticket', t.id),
    attrs: {
      purpose: ref('Purpose', t.purpose), status: ref('TicketStatus', t.status), customer: ref('Customer', c.id),
      ...(t.assigneeId === null ? {} : { assignee: ref('Agent', t.assigneeId) }),
      breakGlass: t.breakGlass ?? false,
    },
    parents: [],
  };
  const customer: EntityJson = { uid: uid('Customer', c.id), attrs: { jurisdiction: c.jurisdiction, locked: c.locked }, parents: [] };
  return [ticket, customer];
}

/** The `FieldFacts` context: the fields and which of them the purpose does not allow to be
 *  verified (default below verify_only) or revealed (ceiling not above default). */
export function fieldFacts(purpose: Purpose, fields: readonly FieldName[]): Context {
  const rules = fields.map((f) => [f, purposeRule(purpose, f)] as const);
  return {
    fields: [...new Set(fields)],
    notVerifiable: rules.filter(([, r]) => levelRank(r.default) < levelRank('verify_only')).map(([f]) => f),
    notRevealable: rules.filter(([, r]) => levelRank(r.ceiling) <= levelRank(r.default)).map(([f]) => f),
  };
}

/** The Cedar request of any action but a view. */
export function actionRequest(input: ActionInput): CedarRequest {
  const principal = uid('Agent', input.agent.id);
  const self = agentEntity(input.agent);
  if (input.action === 'suspend_agent') {
    return { principal, action: input.action, resource: uid('Agent', input.targetId), context: {}, entities: [self] };
  }
  const entities = [self, ...ticketEntities(input.ticket, input.customer)];
  const base = { principal, action: input.action, resource: uid('Ticket', input.ticket.id), entities };
  const facts = () => fieldFacts(input.ticket.purpose, input.fields ?? []);
  switch (input.action) {
    case 'lookup':
    case 'verify':
    case 'request_reveal':
      return { ...base, context: facts() };
    case 'approve_reveal':
    case 'deny_reveal': {
      // The requester's entity carries the vendor and regions the scope policy reads; when the
      // requester is the principal (self-approval) the principal's entity serves.
      const requester = input.requester.id === input.agent.id ? [] : [agentEntity(input.requester)];
      return { ...base, entities: [...entities, ...requester], context: { ...facts(), requester: ref('Agent', input.requester.id) } };
    }
    case 'assign_ticket':
      return { ...base, context: { assignee: ref('Agent', input.assigneeId) } };
    case 'close_ticket':
      return { ...base, context: {} };
  }
}
