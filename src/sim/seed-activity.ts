// The demo's benign background: `days` days of ordinary desk work before `now` — each support
// agent opens, views and closes a handful of tickets per working day — written as closed tickets
// and audit records, so on first start the charts, the staff table and the detectors' baselines
// look alive (issue 14 item 10). Records go to audit_pending in time order; the integrator puts
// them on the signed log like any other. Deterministic for a seed (except ticket and request ids).
import { newId } from '../access/ids.js';
import type { BrokerDb } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import type { Kysely } from 'kysely';
import { PURPOSES } from '../fields/catalog-types.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { DemoAgent } from './demo-data.js';
import { Rng } from './rng.js';
import { demoRoster } from '../detect/rosters.js';

const DAY_MS = 86_400_000;

/** What a routine ticket view shows: masked contact data and the plain account attributes. */
const VIEW_FIELDS: Readonly<Record<string, string>> = { fullName: 'masked', email: 'masked', phone: 'masked', accountId: 'revealed', tier: 'revealed', accountStatus: 'revealed', jurisdiction: 'revealed' };

/** How many records and tickets a background seed wrote. */
export interface ActivityResult {
  readonly tickets: number;
  readonly records: number;
}

/** Writes `days` days before today, and today until `now`, of benign work by the support agents of `staff`
 *  over customer ids `customerIds`, 2 to 9 tickets per agent per weekday, inside each agent's
 *  demo roster (detect/rosters.ts: no off-shift activity). Each ticket: ticket_open, one or two views, ticket_close. */
export async function seedBackgroundActivity(db: BrokerDb, staff: readonly DemoAgent[], customerIds: readonly string[], now: Date, days: number, seed: number): Promise<ActivityResult> {
  const rng = new Rng(seed, 7);
  const agents = staff.filter((a) => a.role === 'agent');
  const records: AuditRecord[] = [];
  const tickets: { id: string; customer_id: string; purpose: string; assignee_id: string; created_at: Date; closed_at: Date; subject: string }[] = [];
  const startDay = Math.floor(now.getTime() / DAY_MS) - days;
  for (let d = 0; d <= days; d++) { // the `days` days before today, and today up to now
    const day = (startDay + d) * DAY_MS;
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6 || customerIds.length === 0) continue;
    for (const a of agents) {
      const n = 2 + rng.int(8);
      for (let k = 0; k < n; k++) {
        const shift = demoRoster(a); // inside the agent's rostered shift: no off-shift signal
        const opened = day + shift.startMin * 60_000 + rng.int(Math.max(1, shift.minutes - 60) * 60_000);
        const closed = opened + (5 + rng.int(40)) * 60_000;
        if (closed >= now.getTime()) continue;
        const customerId = rng.pick(customerIds);
        const purpose = rng.pick(PURPOSES);
        const id = newId('tkt');
        tickets.push({ id, customer_id: customerId, purpose, assignee_id: a.id, created_at: new Date(opened), closed_at: new Date(closed), subject: `Routine: ${purpose.replaceAll('_', ' ')}` });
        const rec = (action: AuditRecord['action'], at: number, fields: Readonly<Record<string, string>> = {}): AuditRecord => ({
          v: 1, time: new Date(at).toISOString(), requestId: newId('req'), action, agentId: a.id, customerId, ticketId: id,
          decision: 'allow', fields, policyIds: [], reason: null, details: { seeded: true },
        });
        records.push(rec('ticket_open', opened), rec('view', opened + 60_000, VIEW_FIELDS));
        if (rng.chance(0.4)) records.push(rec('view', opened + 3 * 60_000, VIEW_FIELDS));
        records.push(rec('ticket_close', closed));
      }
    }
  }
  returningCaller(rng, agents[0], customerIds, now, days, tickets, records);
  for (let s = 0; s < tickets.length; s += 500) {
    await db.insertInto('tickets').values(tickets.slice(s, s + 500).map((t) => ({
      ...t, status: 'closed' as const, channel: 'chat', referenced_tx: [], created_by: 'seed', contact_code: null,
    }))).execute();
  }
  records.sort((x, y) => x.time.localeCompare(y.time));
  const audit = db as unknown as Kysely<AuditTables>;
  for (let s = 0; s < records.length; s += 1000) {
    await audit.transaction().execute(async (trx) => {
      for (const r of records.slice(s, s + 1000)) await appendAudit(trx, r);
    });
  }
  return { tickets: tickets.length, records: records.length };
}

/** The demo's one alert-worthy story, real for the detectors: an agent looks up the same
 *  customer by account id on four different days in their shift (re-access: an alert, well below
 *  step-up and containment). Appends to `tickets` and `records`. */
function returningCaller(rng: Rng, agent: DemoAgent | undefined, customerIds: readonly string[], now: Date, days: number, tickets: { id: string; customer_id: string; purpose: string; assignee_id: string; created_at: Date; closed_at: Date; subject: string }[], records: AuditRecord[]): void {
  if (!agent || customerIds.length === 0 || days < 4) return;
  const customerId = rng.pick(customerIds);
  const shift = demoRoster(agent);
  const today = Math.floor(now.getTime() / DAY_MS);
  for (let back = 4; back >= 1; back--) {
    const opened = (today - back) * DAY_MS + shift.startMin * 60_000 + 90 * 60_000;
    const closed = opened + 12 * 60_000;
    const id = newId('tkt');
    tickets.push({ id, customer_id: customerId, purpose: 'account_access', assignee_id: agent.id, created_at: new Date(opened), closed_at: new Date(closed), subject: 'Caller asking about the account again' });
    const rec = (action: AuditRecord['action'], at: number, fields: Readonly<Record<string, string>>, details: AuditRecord['details']): AuditRecord => ({
      v: 1, time: new Date(at).toISOString(), requestId: newId('req'), action, agentId: agent.id, customerId, ticketId: id,
      decision: 'allow', fields, policyIds: [], reason: null, details: { ...details, seeded: true },
    });
    records.push(
      rec('lookup', opened, {}, { by: 'accountId' }),
      rec('ticket_open', opened, {}, { purpose: 'account_access', channel: 'phone' }),
      rec('view', opened + 60_000, VIEW_FIELDS, {}),
      rec('verify', opened + 2 * 60_000, { dateOfBirth: 'verify_only' }, { matched: true }), // the caller was checked: customer-facing work
      rec('ticket_close', closed, {}, {}),
    );
  }
}
