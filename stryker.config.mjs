// @ts-nocheck
// StrykerJS 9.6 configuration, one module group at a time (mutation/groups.mjs), chosen by
// KEYHOLE_MUTATION_GROUP. node:test files run unchanged through tsx with the tap runner.
// Mutating in place: the tests find ../shared relative to the repository, which a sandbox copy
// would break; `npm run mutation` restores nothing by hand — Stryker puts every file back.
import { GROUPS } from './mutation/groups.mjs';

const name = process.env.KEYHOLE_MUTATION_GROUP ?? '';
const group = GROUPS[name];
if (!group) throw new Error(`KEYHOLE_MUTATION_GROUP must be one of: ${Object.keys(GROUPS).join(', ')}`);

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles: group.testFiles,
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  mutate: group.mutate,
  mutator: { excludedMutations: group.excludedMutations ?? [] },
  coverageAnalysis: 'perTest',
  inPlace: true,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  concurrency: Number(process.env.KEYHOLE_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 60_000,
  timeoutFactor: 2,
  checkers: [],
  // tsx never type-checks, so no file needs `// @ts-nocheck` (in place, that would touch every file).
  disableTypeChecks: false,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
