// The default demo's size, apart from the seeder: the CLI needs it at start-up, and the seeder
// (with the fake-data generator behind it, tens of MB resident) loads only when it seeds.
import type { DemoSpec } from './demo-data.js';

/** The default demo: 10,000 customers, 40 agents, 500 tickets, seed 42, 5 decoys, and 7 days of
 *  benign background work before now. */
export const DEFAULT_DEMO: DemoSpec = { customers: 10_000, agents: 40, tickets: 500, seed: 42, decoys: 5, activityDays: 7 };
