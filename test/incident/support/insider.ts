// An insider scenario driven through the real broker with a FixedClock (the simulator of issue 5
// is not usable yet): one agent works their own tickets and, in between, looks up and views many
// customers by e-mail and phone (some outside their regions: refused), verifies answers and uses
// one approved reveal; other agents do normal work. The ground truth of what the insider was
// shown is kept from the broker's own answers, independently of the log.
import type { Level } from '../../../src/fields/levels.js';
import { loadAgent } from '../../../src/access/agents.js';
import type { RequestContext } from '../../../src/access/model.js';
import type { Purpose } from '../../../src/fields/catalog-types.js';
import { isKeyholeError } from '../../../src/shared/errors.js';
import { supervisorFor, type Harness } from '../../support/harness.js';

/** Per customer, per field: the highest level shown, how many times, first and last time. */
export type GroundTruth = Map<string, Map<string, { level: Level; count: number; firstAt: string; lastAt: string }>>;

const RANK: Record<string, number> = { hidden: 0, verify_only: 1, masked: 2, banded: 3, revealed: 4 };

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the scenario did. `denied` counts the insider's refused requests by action (a lookup
 *  with no match or outside their regions, a budget or a suspension by the detectors). */
export interface InsiderRun {
  readonly truth: GroundTruth;
  readonly lookups: number;
  readonly denied: { lookup: number; view: number; verify: number };
  readonly othersViews: number;
}

/** The refusals the scenario expects (anything else fails the test). */
const REFUSALS = ['LOOKUP_NO_MATCH', 'BUDGET_EXCEEDED', 'AGENT_SUSPENDED', 'VERIFY_LOCKED'] as const;

async function refused(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    if (REFUSALS.some((code) => isKeyholeError(e, code))) return true;
    throw e;
  }
}

/** Runs the scenario for `insiderId`; `browse` lookups among normal work. */
export async function runInsider(h: Harness, insiderId: string, browse: number, seed = 11): Promise<InsiderRun> {
  const rand = rng(seed);
  const truth: GroundTruth = new Map();
  let n = 0;
  const ctx = async (id: string): Promise<RequestContext> => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_sim_${seed}_${n++}` });
  const see = (customerId: string, field: string, level: Level) => {
    const at = h.clock.now().toISOString();
    const c = truth.get(customerId) ?? new Map();
    truth.set(customerId, c);
    const f = c.get(field);
    if (!f) c.set(field, { level, count: 1, firstAt: at, lastAt: at });
    else c.set(field, { level: RANK[level]! > RANK[f.level]! ? level : f.level, count: f.count + 1, firstAt: f.firstAt, lastAt: at });
  };
  const denied = { lookup: 0, view: 0, verify: 0 };
  const view = async (agentId: string, ticketId: string, record: boolean) => {
    const no = await refused(h.rt.broker.view(await ctx(agentId), ticketId).then((v) => {
      if (record) for (const f of v.fields) if (f.level !== 'hidden') see(v.customerId, f.name, f.level);
    }));
    if (no && record) denied.view++;
    return !no;
  };
  const tick = () => h.clock.advance(20_000 + Math.floor(rand() * 200_000));

  const own = await h.rt.db.selectFrom('tickets').select(['id', 'purpose']).where('assignee_id', '=', insiderId).where('status', '=', 'open').orderBy('id').execute();
  const others = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id']).where('assignee_id', '!=', insiderId).where('assignee_id', 'like', 'agt_%')
    .where('status', '=', 'open').orderBy('id').limit(20).execute();
  const purposes: Purpose[] = ['withdrawal_issue', 'account_access', 'general_inquiry', 'deposit_missing', 'kyc_review'];
  let lookups = 0;
  let othersViews = 0;

  // The insider's own work: view each ticket, verify the date of birth on some.
  for (const t of own) {
    await view(insiderId, t.id, true);
    tick();
  }
  // One approved reveal of a phone number on an own account_access ticket, then the view.
  const aa = own.find((t) => t.purpose === 'account_access');
  if (aa) {
    const req = await h.rt.broker.requestReveal(await ctx(insiderId), aa.id, ['phone'], 'caller cannot receive SMS; confirm number');
    const sup = supervisorFor(h.staff, insiderId);
    await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve', { durationMinutes: 15 });
    tick();
    await view(insiderId, aa.id, true);
  }
  h.clock.advance(3600_000); // a new hour: fresh budgets for the browsing
  // Browsing: lookups among other agents' normal work.
  for (let i = 0; i < browse; i++) {
    const c = h.customers[Math.floor(rand() * h.customers.length)]!;
    const key = rand() < 0.7 ? { email: String(c.fields.email).toUpperCase() } : { phone: String(c.fields.phone) };
    const purpose = purposes[i % purposes.length]!;
    tick();
    let ticketId: string | undefined;
    if (await refused(h.rt.broker.lookup(await ctx(insiderId), key, { purpose, channel: 'phone', subject: 'caller asked about account' }).then((t) => { ticketId = t.id; }))) {
      denied.lookup++;
    } else {
      see(c.id, 'existence', 'revealed');
      lookups++;
      tick();
      if ((await view(insiderId, ticketId!, true)) && rand() < 0.3) {
        const answer = rand() < 0.5 ? String(c.fields.dateOfBirth) : '1970-01-01';
        if (await refused(h.rt.broker.verify(await ctx(insiderId), ticketId!, 'dateOfBirth', answer))) denied.verify++;
        else see(c.id, 'dateOfBirth', 'verify_only');
      }
    }
    const o = others[i % others.length];
    if (o && rand() < 0.5 && (await view(o.assignee_id!, o.id, false))) othersViews++;
  }
  return { truth, lookups, denied, othersViews };
}
