// `keyhole config check`: the effective configuration from the environment, secrets redacted,
// with every bad or unknown KEYHOLE_* variable named; exits 2 (CONFIG_INVALID) when any.
import type { Command } from 'commander';
import { checkConfig, formatConfig } from '../server/config.js';
import { ERROR_CATALOG } from '../shared/errors.js';

/** Registers `keyhole config check`. The report is computed on the environment as given (before
 *  the <NAME>_FILE secrets were read in), so it can say which came from files. */
export function registerConfig(program: Command, originalEnv: Readonly<Record<string, string | undefined>>): void {
  program.command('config').description('configuration').command('check')
    .description('print the effective configuration (secrets redacted) and name bad or unknown KEYHOLE_* variables')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const r = checkConfig(originalEnv);
      console.log(o.json ? JSON.stringify(r) : formatConfig(r));
      if (!r.ok) process.exitCode = ERROR_CATALOG.CONFIG_INVALID.exit;
    });
}
