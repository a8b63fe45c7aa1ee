// Options every command shares: where the data is (DATABASE_URL or --data-dir).
import type { Command } from 'commander';
import type { RuntimeConfig } from '../server/runtime.js';

/** Adds --data-dir to `cmd`. */
export function withStoreOptions(cmd: Command): Command {
  return cmd.option('--data-dir <dir>', 'data directory for the embedded database and the key file (default ./.keyhole/data)');
}

/** The runtime config of parsed options and the environment (DATABASE_URL, KEYHOLE_DATA_DIR). */
export function runtimeConfig(opts: { dataDir?: string }, extra: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return { databaseUrl: process.env.DATABASE_URL || undefined, dataDir: opts.dataDir ?? (process.env.KEYHOLE_DATA_DIR || undefined), ...extra };
}
