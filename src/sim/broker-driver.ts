// The real path: every simulated step goes through the access broker on an in-memory PGlite
// with the detect module's guard, the audit log integrator and the detector consumer, on a
// FixedClock set to the step's time. Slower than the model (a few hundred steps a second), so
// the benchmark runs it for a subset and `keyhole simulate --broker` uses it for one story.
import { randomBytes } from 'node:crypto';
import { loadAgent } from '../access/agents.js';
import type { AccessGuard } from '../access/guard.js';
import { newId } from '../access/ids.js';
import type { BrokerDb, RequestContext } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { DetectConfig } from '../detect/config.js';
import type { DetectDb } from '../detect/containment.js';
import { DetectConsumer } from '../detect/consumer.js';
import { DetectGuard } from '../detect/guard.js';
import type { RiskAction, Signal } from '../detect/signal.js';
import { createRuntime, type Runtime } from '../server/runtime.js';
import { FixedClock } from '../shared/clock.js';
import { isKeyholeError } from '../shared/errors.js';
import { demoCustomer, type DemoCustomer } from './demo-data.js';
import type { Driver, DriverHooks, StepResult } from './driver.js';
import { writeCustomers } from './seed.js';
import { ownerSignIn, type Step } from './tasks.js';
import { customerId, jurisdictionsOf, shiftOn, SIM_REGIONS, type SimAgent, type SimWorld } from './world.js';

/** A broker driver; `close()` releases the database. */
export interface BrokerDriver extends Driver {
  readonly runtime: Runtime;
  readonly consumer: DetectConsumer;
  close(): Promise<void>;
}

/** The demo customer behind world customer `i` (names, contact details, dates of birth). */
export function brokerCustomer(seed: number, i: number, start: number): DemoCustomer {
  return demoCustomer(seed, i, new Date(start));
}

/** The world spec's customer source for the broker path: tiers and regions of demo customers. */
export function brokerCustomerSource(seed: number, start: number): (i: number) => { tier: 'standard' | 'pro' | 'vip'; region: number } {
  return (i) => {
    const c = brokerCustomer(seed, i, start);
    const region = Math.max(0, SIM_REGIONS.findIndex((r) => (r.jurisdictions as readonly string[]).includes(c.jurisdiction)));
    return { tier: c.tier === 'vip' || c.tier === 'pro' ? c.tier : 'standard', region };
  };
}

/** Where the broker path runs: in-memory PGlite (default) or a PostgreSQL database
 *  (`databaseUrl`, which the caller creates and drops); with `http`, every agent step is an HTTP
 *  request through the Fastify app (auth, device cookie, trusted proxy, routes) instead of a
 *  direct broker call. `release` runs after the runtime closes (drop the database). */
export interface BrokerDriverOptions {
  readonly databaseUrl?: string | undefined;
  readonly http?: boolean | undefined;
  readonly release?: (() => Promise<void>) | undefined;
}

/** Seeds `w` into a fresh runtime and returns the driver. */
export async function createBrokerDriver(w: SimWorld, hooks: DriverHooks, config: DetectConfig, opts: BrokerDriverOptions = {}): Promise<BrokerDriver> {
  const clock = new FixedClock(w.start - 86_400_000);
  const late: { guard?: DetectGuard } = {};
  const guard: AccessGuard = {
    check: (r) => (late.guard as DetectGuard).check(r),
    contain: (a, reason, id) => (late.guard as DetectGuard).contain(a, reason, id),
    requiresStepUp: (db, id) => (late.guard as DetectGuard).requiresStepUp(db, id),
  };
  const rt = await createRuntime({ dataDir: ':memory:', databaseUrl: opts.databaseUrl, clock, integrate: false, detect: false, guard, env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') } });
  const db = rt.db as unknown as DetectDb;
  late.guard = new DetectGuard({ db, clock, events: rt.events, config });
  const signals: Signal[] = [];
  const consumer = new DetectConsumer({ db, events: rt.events, config, clock, onSignal: (s) => { signals.push(s); hooks.onSignal?.(s); } });
  const customers = await seedWorld(rt, w);
  if (opts.http) {
    const { HttpBroker } = await import('./http-driver.js');
    return HttpBroker.create(w, rt, clock, consumer, hooks, customers, opts.release);
  }
  return new Broker(w, rt, clock, consumer, hooks, customers, opts.release);
}

async function seedWorld(rt: Runtime, w: SimWorld): Promise<Map<number, DemoCustomer>> {
  const staff = [...w.agents, ...w.supervisors, ...w.security];
  await rt.db.insertInto('agents').values(staff.map((a) => ({
    id: a.id, name: a.id, email: `${a.id}@${a.vendor}.example`, role: a.role, team: a.team, vendor: a.vendor, regions: jurisdictionsOf(a),
    status: 'active' as const, created_at: new Date(w.start + a.hiredDay * 86_400_000), suspended_at: null,
  }))).execute();
  const db = rt.db as unknown as DetectDb;
  for (const a of w.agents) await writeProfile(db, a, 0, w.start);
  const out = new Map<number, DemoCustomer>();
  for (let s = 0; s < w.customers.n; s += 250) {
    const batch: DemoCustomer[] = [];
    for (let i = s; i < Math.min(w.customers.n, s + 250); i++) {
      const c = brokerCustomer(w.seed, i, w.start);
      const decoy = w.customers.decoy[i] === 1;
      const x: DemoCustomer = { ...c, id: customerId(i), isDecoy: decoy, tier: decoy ? 'vip' : c.tier };
      out.set(i, x);
      batch.push(x);
    }
    await rt.db.transaction().execute((trx) => writeCustomers(trx, rt.vault, batch));
  }
  return out;
}

async function writeProfile(db: DetectDb, a: SimAgent, day: number, start: number): Promise<void> {
  const s = shiftOn(a, day);
  const row = { shift_start_min: s.startMin, shift_minutes: s.minutes, work_days: s.days, updated_at: new Date(start + day * 86_400_000) };
  await db.insertInto('detect_agent_profiles').values({ agent_id: a.id, ...row }).onConflict((oc) => oc.column('agent_id').doUpdateSet(row)).execute();
}

/** The broker path driver; `exec` runs one step (overridden by the HTTP path). */
export class Broker implements BrokerDriver {
  readonly runtime: Runtime;
  readonly consumer: DetectConsumer;
  readonly #w: SimWorld;
  protected readonly clock: FixedClock;
  readonly #hooks: DriverHooks;
  protected readonly customers: Map<number, DemoCustomer>;
  readonly #release: (() => Promise<void>) | undefined;
  #settled = -Infinity;
  #records = 0;

  constructor(w: SimWorld, rt: Runtime, clock: FixedClock, consumer: DetectConsumer, hooks: DriverHooks, customers: Map<number, DemoCustomer>, release?: () => Promise<void>) {
    this.#w = w;
    this.runtime = rt;
    this.clock = clock;
    this.consumer = consumer;
    this.#hooks = hooks;
    this.customers = customers;
    this.#release = release;
  }

  get records(): number {
    return this.#records;
  }

  async run(step: Step): Promise<StepResult> {
    if (step.t > this.clock.now().getTime()) this.clock.set(step.t);
    try {
      return await this.exec(step);
    } catch (e) {
      if (isKeyholeError(e)) return { ok: false, code: e.code };
      throw e;
    }
  }

  /** Runs `step` against the broker. @throws KeyholeError when the broker refuses it. */
  protected async exec(step: Step): Promise<StepResult> {
    const b = this.runtime.broker;
    const task = step.task;
    const c = this.customers.get(task.customer) as DemoCustomer;
    const ticket = task.ticketId ?? 'none';
    if (!step.actor) await this.#session(step);
    switch (step.kind) {
      case 'intake':
        return { ok: true, ticketId: await this.intake(step) };
      case 'lookup': {
        const key = task.key === 'email' ? { email: c.fields.email as string } : task.key === 'phone' ? { phone: c.fields.phone as string } : { accountId: c.accountId };
        const t = await b.lookup(await this.#ctx(task.agent, step), key, { purpose: task.purpose, channel: 'phone', subject: 'Inbound call' });
        return { ok: true, ticketId: t.id };
      }
      case 'view':
        await b.view(await this.#ctx(task.agent, step), ticket);
        return { ok: true, exposed: true };
      case 'verify': {
        const field = step.field ?? 'dateOfBirth';
        const right = field === 'address' ? (c.fields.address as { postalCode: string }).postalCode : String(c.fields[field]);
        await b.verify(await this.#ctx(task.agent, step), ticket, field, step.correct ? right : field === 'address' ? '00000' : '1900-01-01');
        return { ok: true, exposed: true };
      }
      case 'reveal': {
        const r = await b.requestReveal(await this.#ctx(task.agent, step), ticket, step.fields ?? [], 'the customer asked on the call');
        return { ok: true, requestId: r.id };
      }
      case 'decide':
        if (!task.requestId) return { ok: false, code: 'REQUEST_NOT_FOUND' };
        await b.decideReveal(await this.#ctx(step.actor as SimAgent, step), task.requestId, step.approve ? 'approve' : 'deny');
        return { ok: true };
      case 'assign':
        await b.assign(await this.#ctx(step.actor as SimAgent, step), ticket, (step.to as SimAgent).id);
        return { ok: true };
      case 'close':
        await b.close(await this.#ctx(task.agent, step), ticket);
        return { ok: true };
    }
  }

  /** The first step on a session named by a thief's client that its owner has not used yet: the
   *  owner's sign-in (`session_start` from `signedInFrom`, as createSession records it) first. */
  async #session(step: Step): Promise<void> {
    const rec = ownerSignIn(step, this.#sessions);
    if (rec) await appendAudit(this.runtime.db, { ...rec, time: this.clock.now().toISOString(), requestId: newId('req') });
  }

  readonly #sessions = new Set<string>();

  /** The ticketing system routes a ticket: the row and its `ticket_open` record (no agent). */
  protected async intake(step: Step): Promise<string> {
    const task = step.task;
    const id = newId('tkt');
    const now = this.clock.now();
    await this.runtime.db.transaction().execute(async (tx) => {
      const trx = tx as unknown as BrokerDb;
      await trx.insertInto('tickets').values({
        id, customer_id: customerId(task.customer), purpose: task.purpose, status: 'open', assignee_id: task.agent.id, channel: task.channel,
        subject: 'Routed ticket', referenced_tx: [], created_by: 'routing', created_at: now, closed_at: null,
      }).execute();
      await appendAudit(trx, {
        v: 1, time: now.toISOString(), requestId: newId('req'), action: 'ticket_open', agentId: null, customerId: customerId(task.customer), ticketId: id,
        decision: 'allow', fields: {}, policyIds: [], reason: null, details: { assignee: task.agent.id, purpose: task.purpose, channel: task.channel, via: 'routing' },
      });
    });
    return id;
  }

  async #ctx(a: SimAgent, step: Step): Promise<RequestContext> {
    const agent = await loadAgent(this.runtime.db, a.id);
    if (!agent) throw new Error(`unknown agent ${a.id}`);
    const c = step.task.client;
    // The session the step rides on goes on the record as the server puts it (`details.sess`).
    return { agent, requestId: newId('req'), ...(a === step.task.agent ? { client: { net: c.net, dev: c.dev, ...(c.sess ? { session: c.sess } : {}) } } : {}) };
  }

  /** Integrates and consumes the log — after every insider step (`force`: the next one then
   *  meets the containment, as with the 250 ms integrator in production) and otherwise at least
   *  once per simulated minute — then reports the alerts raised since the last time. */
  async settle(t: number, force: boolean): Promise<void> {
    if (!force && t - this.#settled < 60_000) return;
    this.#settled = t;
    const since = this.clock.now().getTime(); // the consumer stamps its alerts with this clock
    await this.runtime.integrator.drain();
    this.#records = (await this.consumer.offset()) + 1;
    const before = this.#records;
    await this.consumer.drain();
    this.#records = (await this.consumer.offset()) + 1;
    if (this.#records === before) return;
    const db = this.runtime.db as unknown as DetectDb;
    // By creation time, not by `seq`: an alert's seq is the evidence's record, which can be one
    // consumed long before (balance skew and re-access name the orphaned lookup, not the record
    // that judged it), so `seq >= before` missed such containments.
    const rows = await db.selectFrom('detect_alerts').selectAll().where('created_at', '>=', new Date(since)).orderBy('created_at').orderBy('seq').orderBy('id').execute();
    for (const r of rows) {
      if (this.#reported.has(r.id)) continue;
      this.#reported.add(r.id);
      const x = (typeof r.explanation === 'string' ? JSON.parse(r.explanation) : r.explanation) as { threshold: number; signals: Array<Signal & { at: string }> };
      const action: RiskAction = {
        kind: r.kind, agentId: r.agent_id, t: r.at.getTime(), seq: r.seq ?? -1, risk: r.risk, threshold: x.threshold, summary: r.summary,
        signals: x.signals.map((s) => ({ ...s, agentId: r.agent_id, t: Date.parse(s.at) })),
      };
      this.#hooks.onAction(action);
    }
  }

  readonly #reported = new Set<string>();

  async rosterChanged(a: SimAgent, day: number): Promise<void> {
    await writeProfile(this.runtime.db as unknown as DetectDb, a, day, this.#w.start);
  }

  async close(): Promise<void> {
    await this.runtime.close();
    await this.#release?.();
  }
}
