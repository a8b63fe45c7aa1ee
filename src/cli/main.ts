// Entry point of the `keyhole` command: parses argv and maps errors to the catalogue's exit codes.
import { ERROR_CATALOG, isKeyholeError } from '../shared/errors.js';
import { program } from './commands.js';

program().parseAsync(process.argv).catch((e: unknown) => {
  if (isKeyholeError(e)) {
    console.error(`keyhole: ${e.code}: ${e.message}`);
    process.exit(ERROR_CATALOG[e.code].exit);
  }
  console.error(`keyhole: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
