// The simulator: a synthetic exchange run day by day on a simulated clock — benign work from
// the workload, the scenario's insiders on top — through a driver (the in-memory broker model
// or the real broker on PGlite) and the detectors. Measures what matters: the accounts an
// insider saw before containment (ABC), the time to containment, and, for everyone else, false
// containments and alerts per 1,000 agent-days.
import { DEFAULT_DETECT_CONFIG, type DetectConfig } from '../detect/config.js';
import { DetectionEngine } from '../detect/engine.js';
import { isContainment, type RiskAction, type Signal } from '../detect/signal.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Driver, DriverHooks, StepResult } from './driver.js';
import { ModelBroker } from './model-broker.js';
import { Rng } from './rng.js';
import { workloadOf, type PlanContext, type Scenario } from './scenarios.js';
import { StepQueue, type Step } from './tasks.js';
import { Workload } from './workload.js';
import { buildWorld, shiftOn, WorldContext, type SimWorld, type WorldSpec } from './world.js';

const DAY_MS = 86_400_000;
const PAUSE_AFTER_BUDGET_MS = 60 * 60_000;

/** One line of a run's story (insider steps, signals, alerts, containment). */
export interface StoryEvent {
  readonly t: number;
  readonly kind: 'day' | 'step' | 'denied' | 'signal' | 'alert' | 'contain';
  readonly agentId: string;
  readonly text: string;
  readonly insider: boolean;
}

/** Options of a run. `driver` builds the driver (default: the in-memory model). */
export interface SimOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly agents: number;
  readonly customers: number;
  readonly days: number;
  readonly config?: DetectConfig;
  readonly world?: Partial<WorldSpec>;
  readonly driver?: (w: SimWorld, ctx: WorldContext, hooks: DriverHooks, config: DetectConfig) => Driver | Promise<Driver>;
  readonly onDay?: (day: number) => void;
  readonly onStory?: (e: StoryEvent) => void;
}

/** The measured outcome of a run. */
export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly insiders: readonly string[];
  /** Distinct customers the insiders' malicious work exposed (above hidden) before containment. */
  readonly abc: number;
  /** Distinct customers exposed by the insiders in any work, from their first malicious step. */
  readonly abcAll: number;
  readonly contained: boolean;
  /** From the first malicious step to the last insider's containment, in ms (null: not contained). */
  readonly ttcMs: number | null;
  /** The detectors behind the insiders' containments, strongest first. */
  readonly detectedBy: readonly string[];
  readonly falseContainments: number;
  readonly benignAlerts: number;
  readonly agentDays: number;
  readonly records: number;
  readonly alertKinds: Readonly<Record<string, number>>;
  /** Risk points benign agents received, per detector. */
  readonly benignDetectors: Readonly<Record<string, number>>;
}

/** Runs one scenario with one seed. */
export async function runScenario(opts: SimOptions): Promise<RunResult> {
  const config = opts.config ?? DEFAULT_DETECT_CONFIG;
  const world = buildWorld({ seed: opts.seed, agents: opts.agents, customers: opts.customers, days: opts.days, ...opts.world });
  const plan = opts.scenario.setup(world, new Rng(opts.seed, 3), opts.days);
  for (const c of plan.rosterChanges ?? []) c.agent.shifts.push({ fromDay: c.day, shift: { ...shiftOn(c.agent, c.day), startMin: c.startMin } });
  const insiders = new Set(plan.insiders.map((a) => a.id));
  const m = new Metrics(insiders, opts.onStory);
  const ctx = new WorldContext(world);
  const hooks: DriverHooks = { onAction: (a) => m.action(a), onSignal: (s) => m.signal(s) };
  const driver = await (opts.driver ?? modelDriver)(world, ctx, hooks, config);
  const queue = new StepQueue();
  const workload = new Workload(world, new Rng(opts.seed, 5), workloadOf(plan), (s) => queue.push(s));
  const planCtx: PlanContext = {
    world, rng: new Rng(opts.seed, 9), push: (s) => queue.push(s), clientOf: (a, d) => workload.clientOf(a, d),
    task: (a, c, p, ch, k, cl, mal) => workload.task(a, c, p, ch, k, cl, mal),
  };
  const paused = new Map<string, number>();
  for (let day = 0; day < opts.days; day++) {
    opts.onDay?.(day);
    for (const c of plan.rosterChanges ?? []) if (c.day === day) await driver.rosterChanged(c.agent, day);
    workload.generateDay(day);
    plan.day?.(day, planCtx);
    const end = world.start + (day + 1) * DAY_MS;
    while (queue.peekTime() < end) await step(queue.pop() as Step, driver, m, paused, world);
  }
  const last = world.start + (opts.days + 1) * DAY_MS;
  while (queue.peekTime() < last) await step(queue.pop() as Step, driver, m, paused, world);
  await driver.settle(last, true);
  const result = m.result(opts.scenario.name, opts.seed, driver.records);
  await driver.close?.();
  return result;
}

async function step(s: Step, driver: Driver, m: Metrics, paused: Map<string, number>, w: SimWorld): Promise<void> {
  const task = s.task;
  if (task.dead) return;
  if (task.parent && task.ticketId === undefined) task.ticketId = task.parent.ticketId;
  if (task.parent && task.ticketId === undefined) return void (task.dead = true);
  if (task.malicious && s.kind === 'lookup' && (paused.get(task.agent.id) ?? -Infinity) > s.t) return void (task.dead = true);
  const r = driver.run(s);
  const res: StepResult = r instanceof Promise ? await r : r;
  m.step(s, res, Math.floor((s.t - w.start) / DAY_MS));
  if (!res.ok) {
    if (s.kind !== 'decide' && s.kind !== 'reveal' && s.kind !== 'assign') task.dead = true;
    if (task.malicious && res.code === 'BUDGET_EXCEEDED') paused.set(task.agent.id, s.t + PAUSE_AFTER_BUDGET_MS);
  } else {
    if (res.ticketId) task.ticketId = res.ticketId;
    if (res.requestId) task.requestId = res.requestId;
  }
  await driver.settle(s.t, task.malicious);
}

/** The in-memory model driver with its own engine; `keep` collects every record produced. */
export function modelDriver(w: SimWorld, ctx: WorldContext, hooks: DriverHooks, config: DetectConfig, keep?: AuditRecord[]): Driver {
  const engine = new DetectionEngine({ config, ctx, ...(hooks.onSignal ? { onSignal: hooks.onSignal } : {}) });
  return new ModelBroker(w, engine, config, ctx, hooks, keep);
}

/** Collects a run's measurements. */
class Metrics {
  readonly #insiders: ReadonlySet<string>;
  readonly #story: ((e: StoryEvent) => void) | undefined;
  readonly #abc = new Set<number>();
  readonly #abcAll = new Set<number>();
  readonly #agentDays = new Set<string>();
  readonly #contained = new Map<string, RiskAction>();
  readonly #alertKinds: Record<string, number> = {};
  readonly #benignDetectors: Record<string, number> = {};
  #firstMalicious = Infinity;
  #falseContainments = 0;
  #benignAlerts = 0;

  constructor(insiders: ReadonlySet<string>, story: ((e: StoryEvent) => void) | undefined) {
    this.#insiders = insiders;
    this.#story = story;
  }

  step(s: Step, r: StepResult, day: number): void {
    const actor = s.actor ?? s.task.agent;
    if (actor.role === 'agent' && !this.#insiders.has(actor.id)) this.#agentDays.add(`${actor.id}|${day}`);
    const insider = this.#insiders.has(s.task.agent.id) && !s.actor;
    if (!insider) return;
    if (s.task.malicious) this.#firstMalicious = Math.min(this.#firstMalicious, s.t);
    if (r.ok && r.exposed && s.t >= this.#firstMalicious) {
      this.#abcAll.add(s.task.customer);
      if (s.task.malicious) this.#abc.add(s.task.customer);
    }
    if (this.#story && (s.task.malicious || !r.ok)) {
      const what = `${s.kind}${s.field ? ` ${s.field}` : ''}${s.fields ? ` [${s.fields.join(', ')}]` : ''} customer ${s.task.customer}`;
      this.#story({ t: s.t, kind: r.ok ? 'step' : 'denied', agentId: s.task.agent.id, insider: true, text: r.ok ? what : `${what} → ${r.code}` });
    }
  }

  signal(s: Signal): void {
    if (!this.#insiders.has(s.agentId)) this.#benignDetectors[s.detector] = Math.round(((this.#benignDetectors[s.detector] ?? 0) + s.points) * 10) / 10;
    this.#story?.({ t: s.t, kind: 'signal', agentId: s.agentId, insider: this.#insiders.has(s.agentId), text: `+${s.points} ${s.detector}: ${s.summary} (seq ${s.seqs.join(', ')})` });
  }

  action(a: RiskAction): void {
    if (a.kind === 'clear_step_up') return;
    const insider = this.#insiders.has(a.agentId);
    this.#story?.({ t: a.t, kind: isContainment(a) ? 'contain' : 'alert', agentId: a.agentId, insider, text: `${a.kind.toUpperCase()} ${a.summary}` });
    if (insider) {
      if (isContainment(a) && !this.#contained.has(a.agentId)) this.#contained.set(a.agentId, a);
      return;
    }
    this.#alertKinds[a.kind] = (this.#alertKinds[a.kind] ?? 0) + 1;
    this.#benignAlerts++;
    if (isContainment(a)) this.#falseContainments++;
  }

  result(scenario: string, seed: number, records: number): RunResult {
    const all = [...this.#insiders];
    const contained = all.length > 0 && all.every((id) => this.#contained.has(id));
    const lastT = Math.max(...all.map((id) => this.#contained.get(id)?.t ?? -Infinity));
    const weight: Record<string, number> = {};
    for (const a of this.#contained.values()) for (const s of a.signals) weight[s.detector] = (weight[s.detector] ?? 0) + s.points;
    return {
      scenario, seed, insiders: all, abc: this.#abc.size, abcAll: this.#abcAll.size, contained,
      ttcMs: contained && Number.isFinite(this.#firstMalicious) ? Math.max(0, lastT - this.#firstMalicious) : null,
      detectedBy: Object.entries(weight).sort((x, y) => y[1] - x[1]).map(([d]) => d),
      falseContainments: this.#falseContainments, benignAlerts: this.#benignAlerts, agentDays: this.#agentDays.size, records,
      alertKinds: this.#alertKinds, benignDetectors: this.#benignDetectors,
    };
  }
}
