// Entry point of the `keyhole` command: parses argv and maps errors to the catalogue's exit codes.
import { ERROR_CATALOG, isKeyholeError } from '../shared/errors.js';
import { loadSecretFiles } from '../server/config.js';
import { program } from './commands.js';

const originalEnv = { ...process.env };
try {
  if (process.argv[2] !== 'config') loadSecretFiles(process.env); // secrets given as <NAME>_FILE
} catch (e) {
  fail(e);
}
program(originalEnv).parseAsync(process.argv).catch(fail);

function fail(e: unknown): never {
  if (isKeyholeError(e)) {
    console.error(`keyhole: ${e.code}: ${e.message}`);
    process.exit(ERROR_CATALOG[e.code].exit);
  }
  console.error(`keyhole: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
