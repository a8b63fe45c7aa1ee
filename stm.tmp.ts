import { runScenario } from '/work/main/src/sim/simulator.js';
import { scenarioByName } from '/work/main/src/sim/scenarios.js';
const name = process.argv[2] ?? 'stalker';
const n = Number(process.argv[3] ?? 8);
let c = 0;
for (let seed = 1; seed <= n; seed++) {
  const r = await runScenario({ scenario: scenarioByName(name), seed, agents: 100, customers: 100_000, days: 30 });
  if (r.contained) c++;
  console.log(name, seed, 'abc', r.abc, r.contained, r.ttcMs === null ? null : Math.round(r.ttcMs / 3600_000) + 'h', r.detectedBy.slice(0, 3).join(','), 'fc', r.falseContainments, 'alerts', r.benignAlerts, r.agentDays);
}
console.log(name, 'contained', c, '/', n);
