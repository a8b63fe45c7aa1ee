// How benign work turns into broker calls: a routed (e-mail or chat) ticket or an inbound call
// (lookup), then view, verification of something only the caller knows, sometimes a reveal
// with a supervisor's decision and the view that uses the grant, and the close — or a transfer
// to a QA auditor. Times in ms.
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import type { Rng } from './rng.js';
import type { Step, Task } from './tasks.js';
import type { SimAgent, SimWorld } from './world.js';

const MIN = 60_000;

/** Fields a supervisor alone may approve, per purpose (what benign reveals ask for). */
export const SUPERVISOR_REVEALS: Readonly<Record<Purpose, ReadonlyArray<readonly FieldName[]>>> = {
  account_access: [['email'], ['phone'], ['lastLoginIp', 'lastLoginDevice']],
  withdrawal_issue: [['withdrawalAllowlist'], ['bankAccounts']],
  deposit_missing: [['bankAccounts']],
  kyc_review: [['dateOfBirth']],
  account_closure: [['bankAccounts']],
  general_inquiry: [],
  fraud_investigation: [],
};

/** The supervisor who decides for `agent` on a customer of `region`: same vendor and region. */
export function supervisorFor(w: SimWorld, agent: SimAgent, region: number): SimAgent {
  const vendorIdx = Math.max(0, ['in-house', 'northwind-bpo', 'atlas-cx'].indexOf(agent.vendor));
  return w.supervisors[vendorIdx * 3 + region] ?? (w.supervisors[0] as SimAgent);
}

/** Options of a benign handling. */
export interface FlowOptions {
  readonly revealRate: number;
  /** Transfer to this QA auditor at the end instead of closing (with the QA handling start). */
  readonly qa?: { readonly agent: SimAgent; readonly start: number } | undefined;
}

/** The steps of a benign handling of `task` starting at `start` for `handle` ms (routed tickets
 *  get their intake at `arrival`). Returns the steps in time order. */
export function benignSteps(w: SimWorld, rng: Rng, task: Task, arrival: number, start: number, handle: number, opts: FlowOptions): Step[] {
  const steps: Step[] = [];
  const at = (t: number, s: Omit<Step, 't' | 'task'>) => steps.push({ t: Math.round(t), task, ...s });
  if (task.channel === 'phone') at(start, { kind: 'lookup' });
  else at(arrival, { kind: 'intake' });
  at(start + 20_000, { kind: 'view' });
  let t = start + rng.lognormal(1.2 * MIN, 0.4);
  const verifies = task.channel === 'phone' ? rng.chance(0.95) : rng.chance(task.channel === 'chat' ? 0.7 : 0.35);
  if (verifies) {
    const field: FieldName = task.purpose === 'general_inquiry' || rng.chance(0.75) ? 'dateOfBirth' : 'address';
    const ok = rng.chance(0.92);
    at(t, { kind: 'verify', field, correct: ok });
    if (!ok && rng.chance(0.6)) at((t += 50_000), { kind: 'verify', field, correct: rng.chance(0.8) });
  }
  if (rng.chance(0.3)) at(start + handle * 0.5, { kind: 'view' });
  let end = start + handle;
  const options = SUPERVISOR_REVEALS[task.purpose];
  if (options.length > 0 && rng.chance(opts.revealRate)) {
    const r = Math.max(t + 30_000, start + handle * 0.4);
    const decided = r + rng.lognormal(3 * MIN, 0.5);
    const sup = supervisorFor(w, task.agent, w.customers.region[task.customer] ?? 0);
    at(r, { kind: 'reveal', fields: rng.pick(options) });
    at(decided, { kind: 'decide', approve: rng.chance(0.85), actor: sup });
    at(decided + MIN, { kind: 'view' });
    end = Math.max(end, decided + 3 * MIN);
  }
  if (opts.qa) {
    const sup = supervisorFor(w, task.agent, w.customers.region[task.customer] ?? 0);
    at(end, { kind: 'assign', actor: sup, to: opts.qa.agent });
  } else {
    at(end, { kind: 'close' });
  }
  return steps;
}

/** The steps of a QA review of a transferred ticket (the QA auditor is the task's agent). */
export function qaSteps(rng: Rng, task: Task, start: number): Step[] {
  const steps: Step[] = [{ t: start, task, kind: 'view' }];
  if (rng.chance(0.4)) steps.push({ t: start + 3 * MIN, task, kind: 'view' });
  steps.push({ t: start + rng.lognormal(6 * MIN, 0.4), task, kind: 'close' });
  return steps;
}
