import { runScenario, modelDriver } from './src/sim/simulator.js';
import { scenarioByName } from './src/sim/scenarios.js';
for (const [name, seed] of [['vendor-ring', 1], ['vendor-ring', 3], ['surge-day', 1], ['vendor-ring', 2]] as const) {
  const min = new Map<string, number>();
  let insiders: readonly string[] = [];
  const r = await runScenario({ scenario: scenarioByName(name), seed, agents: 100, customers: 100_000, days: 30,
    driver: (w, ctx, hooks, cfg) => modelDriver(w, ctx, { ...hooks, onSignal: (s) => { hooks.onSignal?.(s); if (s.detector === 'collusion' && s.figures.tailProbability !== undefined) { const k = s.agentId; min.set(k, Math.min(min.get(k) ?? 1, s.figures.tailProbability)); } } }, cfg) });
  insiders = r.insiders;
  const rows = [...min.entries()].sort((a, b) => a[1] - b[1]).slice(0, 8).map(([k, v]) => `${insiders.includes(k) ? '*' : ''}${k}:${v.toExponential(1)}`);
  console.log(name, seed, r.contained, rows.join(' '));
}
