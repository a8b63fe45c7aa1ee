// `keyhole simulate --scenario <name>`: one simulated run told as a story — the insider's
// actions, the detectors' signals against them, every alert and the containment — then the
// measures (accounts before containment, time to containment, false alarms). `--broker` runs
// it through the real broker, guard and consumer on PGlite and shows the BrokerEvents the
// security dashboard would receive. docs/design/detect.md "Simulator".
import type { Command } from 'commander';
import { SCENARIOS, scenarioByName } from '../sim/scenarios.js';
import { runScenario, type StoryEvent } from '../sim/simulator.js';

interface SimulateOptions {
  scenario?: string;
  list?: boolean;
  seed: number;
  days?: number;
  agents?: number;
  customers?: number;
  broker?: boolean;
  verbose?: boolean;
  json?: boolean;
}

const num = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`not a positive whole number: ${v}`);
  return n;
};

/** Registers `simulate` on `program`. */
export function registerSimulate(program: Command): void {
  program.command('simulate').description('simulate an exchange with an insider scenario and show how detection responds')
    .option('--scenario <name>', 'scenario to run (see --list)')
    .option('--list', 'list the scenarios')
    .option('--seed <n>', 'seed', num, 1)
    .option('--days <n>', 'simulated days (default 30; 8 with --broker)', num)
    .option('--agents <n>', 'front-line agents (default 200; 20 with --broker)', num)
    .option('--customers <n>', 'customers (default 2,000,000; 2,000 with --broker)', num)
    .option('--broker', 'run through the real broker, guard and detector consumer on an in-memory PGlite (slower)')
    .option('--verbose', 'show every insider step and every benign alert')
    .option('--json', 'print only the measures as JSON')
    .action(async (o: SimulateOptions) => simulate(o));
}

async function simulate(o: SimulateOptions): Promise<void> {
  // The broker driver brings the demo-data generator; load it only when a simulation runs.
  const { brokerCustomerSource, createBrokerDriver } = await import('../sim/broker-driver.js');
  if (o.list || !o.scenario) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(20)} ${s.kind.padEnd(8)} ${s.title}${s.target !== undefined ? ` (target: ≤ ${s.target} accounts)` : ''}`);
    if (!o.list) console.log('\nchoose one with --scenario <name>');
    return;
  }
  const scenario = scenarioByName(o.scenario);
  const broker = o.broker === true;
  const days = o.days ?? (broker ? 8 : 30);
  const agents = o.agents ?? (broker ? 20 : 200);
  const customers = o.customers ?? (broker ? 2000 : 2_000_000);
  const start = Date.UTC(2026, 1, 2);
  const quiet = o.json === true;
  if (!quiet) {
    console.log(`${scenario.title} — ${scenario.kind}${broker ? ', through the real broker on PGlite' : ', on the in-memory broker model'}`);
    console.log(`  ${scenario.basis}`);
    console.log(`  seed ${o.seed}, ${days} days, ${agents} agents, ${customers.toLocaleString('en')} customers\n`);
  }
  const tell = story(start, o.verbose === true);
  const r = await runScenario({
    scenario, seed: o.seed, agents, customers, days,
    world: { start, ...(broker ? { customerSource: brokerCustomerSource(o.seed, start) } : {}) },
    ...(broker ? {
      driver: async (w, _c, hooks, cfg) => {
        const d = await createBrokerDriver(w, hooks, cfg);
        if (!quiet) d.runtime.events.subscribe((e) => {
          if (e.type === 'detect_alert' || (e.type === 'agent_status' && e.status === 'suspended')) console.log(`          [BrokerEvents] ${JSON.stringify(e)}`);
        });
        return d;
      },
    } : {}),
    ...(quiet ? {} : { onStory: tell, onDay: (d: number) => d % 5 === 0 && process.stderr.write(`… day ${d}\n`) }),
  });
  const hours = r.ttcMs === null ? null : Math.round((r.ttcMs / 3_600_000) * 100) / 100;
  if (quiet) return void console.log(JSON.stringify(r));
  console.log('\n── measures');
  if (scenario.kind === 'insider') {
    console.log(`  insiders: ${r.insiders.join(', ')} — ${r.contained ? `contained after ${hours} h` : 'NOT contained in the simulated window'}`);
    console.log(`  accounts before containment (ABC): ${r.abc}${scenario.target !== undefined ? ` (target ≤ ${scenario.target})` : ''}; all accounts they saw meanwhile: ${r.abcAll}`);
    if (r.detectedBy.length > 0) console.log(`  detected by: ${r.detectedBy.join(', ')}`);
  }
  console.log(`  benign agents: ${r.agentDays} agent-days, ${r.falseContainments} false containments, ${r.benignAlerts} alerts (${((r.benignAlerts / Math.max(1, r.agentDays)) * 1000).toFixed(2)} per 1,000 agent-days)`);
  console.log(`  ${r.records.toLocaleString('en')} audit records`);
}

/** Prints story events: insider actions (lookups and denials; all with --verbose), signals and
 *  alerts about insiders, containments, and benign alerts (with --verbose). */
function story(start: number, verbose: boolean): (e: StoryEvent) => void {
  const when = (t: number) => {
    const d = Math.floor((t - start) / 86_400_000);
    return `day ${String(d).padStart(2)} ${new Date(t).toISOString().slice(11, 19)}`;
  };
  const contained = new Set<string>();
  const after = new Map<string, number>();
  return (e) => {
    if (e.kind === 'step' && !verbose && !e.text.startsWith('lookup')) return;
    if (!e.insider && !verbose && e.kind !== 'contain') return;
    if (e.kind === 'contain') contained.add(e.agentId);
    else if (contained.has(e.agentId) && !verbose) {
      const n = (after.get(e.agentId) ?? 0) + 1;
      after.set(e.agentId, n);
      if (n === 4) console.log(`${when(e.t)}  …       ${e.agentId}  every further request is denied (AGENT_SUSPENDED); not shown`);
      if (n > 3) return;
    }
    const tag = e.kind === 'contain' ? 'CONTAIN' : e.kind === 'alert' ? 'ALERT  ' : e.kind === 'signal' ? 'signal ' : e.kind === 'denied' ? 'denied ' : 'step   ';
    console.log(`${when(e.t)}  ${tag} ${e.agentId}${e.insider ? '' : ' (benign)'}  ${e.text}`);
  };
}
