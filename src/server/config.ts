// Keyhole's configuration is the environment (issue 18 part 5): every setting is a variable,
// and every secret may instead be given as <NAME>_FILE, a path to a file holding it (the Docker
// and Kubernetes secrets convention; one trailing newline is dropped). SETTINGS lists every
// variable Keyhole reads, so `keyhole config check` can print the effective configuration with
// secrets redacted and name any bad or unknown KEYHOLE_* variable. A module that reads a new
// variable MUST add it here (test/cluster/config.test.ts checks the sources). docs/operations.md.
import { readFileSync } from 'node:fs';
import { KeyholeError } from '../shared/errors.js';

/** One setting: its variable, whether it is secret (redacted, accepts _FILE), what it is, and
 *  an optional check of its value (returns a problem, or undefined when fine). */
export interface Setting {
  readonly name: string;
  readonly secret: boolean;
  readonly description: string;
  readonly check?: (value: string) => string | undefined;
  /** The module reads <NAME>_FILE itself (with its own checks, e.g. file permissions):
   *  loadSecretFiles leaves it alone. */
  readonly ownFile?: boolean;
}

const seconds = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? undefined : `must be a number of seconds from ${min} to ${max}`;
};
const url = (...protocols: string[]) => (v: string) => {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) ? undefined : `must be a ${protocols.join(' or ')} URL`;
  } catch {
    return 'must be a URL';
  }
};
const oneOf = (...values: string[]) => (v: string) => (values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
const wholeNumber = (min: number, max: number) => (v: string) =>
  /^[0-9]+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be a whole number from ${min} to ${max}`;
const base64Key = (v: string) => (Buffer.from(v, 'base64').length === 32 ? undefined : 'must be 32 bytes in base64');

/** Every variable Keyhole reads. */
export const SETTINGS: readonly Setting[] = [
  // where the data is
  { name: 'DATABASE_URL', secret: true, description: 'PostgreSQL URL; unset: embedded PGlite in --data-dir', check: url('postgres:', 'postgresql:') },
  { name: 'KEYHOLE_MASTER_KEY', secret: true, description: 'the 32-byte master key (base64); unset: a key file in the data directory', check: base64Key },
  { name: 'KEYHOLE_MASTER_KEK_VERSION', secret: false, description: 'current derived key-encryption-key version (default 1)', check: wholeNumber(1, 1_000_000) },
  { name: 'KEYHOLE_DATA_DIR', secret: false, description: 'data directory (PGlite files, key file, published checkpoint); --data-dir wins (default ./.keyhole/data)' },
  // server
  { name: 'KEYHOLE_PORT', secret: false, description: '`keyhole serve` port; --port wins (default 8080)', check: wholeNumber(0, 65_535) },
  { name: 'KEYHOLE_HOST', secret: false, description: '`keyhole serve` address; --host wins (default 127.0.0.1; 0.0.0.0 in a container)' },
  { name: 'KEYHOLE_DEMO', secret: false, description: '1: demo mode (demo picker; seeds an empty database once)', check: oneOf('0', '1') },
  { name: 'KEYHOLE_DEMO_CUSTOMERS', secret: false, description: 'customers the demo seeds (default 10,000)', check: wholeNumber(1, 1_000_000) },
  { name: 'KEYHOLE_DEMO_ACTIVITY_DAYS', secret: false, description: 'days of benign background work the demo seeds before now (default 7; 0: none)', check: wholeNumber(0, 30) },
  { name: 'KEYHOLE_ORIGIN', secret: false, description: 'the public origin of the console (WebAuthn, allowed origins)', check: url('http:', 'https:') },
  { name: 'KEYHOLE_RP_ID', secret: false, description: 'WebAuthn relying-party id (default: KEYHOLE_ORIGIN\'s host)' },
  { name: 'LOG_LEVEL', secret: false, description: 'pino log level (default info)', check: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
  { name: 'KEYHOLE_SHUTDOWN_GRACE_S', secret: false, description: 'seconds a SIGTERM drain may take before exiting anyway (default 10)', check: seconds(1, 600) },
  { name: 'KEYHOLE_SHUTDOWN_DELAY_S', secret: false, description: 'seconds to keep serving after SIGTERM while load balancers notice (default 0)', check: seconds(0, 300) },
  // audit log
  { name: 'KEYHOLE_LOG_ORIGIN', secret: false, description: 'the transparency log\'s origin line' },
  { name: 'KEYHOLE_LOG_MAX_LAG_S', secret: false, description: 'oldest pending record age before customer data is withheld and /readyz fails (default 60)', check: seconds(0.001, 86_400) },
  { name: 'KEYHOLE_LEADER_LEASE_S', secret: false, description: 'the log leader\'s lease: a frozen leader loses the role within this (default 6)', check: seconds(1, 120) },
  { name: 'KEYHOLE_PUBLISHED_CHECKPOINT_FILE', secret: false, description: 'where the newest published checkpoint is kept, outside the database (default <data-dir>/published-checkpoint)' },
  { name: 'KEYHOLE_OVERRIDE_PUBLISHED_CHECKPOINT', secret: false, description: 'operator override: the published size to sign behind once (recorded on the log)', check: wholeNumber(0, 2 ** 53) },
  { name: 'KEYHOLE_WITNESSES', secret: false, description: 'witnesses the log submits checkpoints to' },
  { name: 'KEYHOLE_WITNESS_QUORUM', secret: false, description: 'cosignatures a checkpoint needs', check: wholeNumber(0, 100) },
  { name: 'KEYHOLE_WITNESS_LOGS', secret: false, description: '`keyhole witness`: the logs it follows' },
  // detection and incidents
  { name: 'KEYHOLE_DETECT_CONFIG', secret: false, description: 'detector configuration (JSON) over the defaults' },
  { name: 'KEYHOLE_DETECT_WORKER', secret: false, description: '1/on/true: run the detectors in a worker thread (PostgreSQL)' },
  { name: 'KEYHOLE_ALERT_WEBHOOK', secret: true, description: 'URL alerts are posted to', check: url('http:', 'https:') },
  { name: 'KEYHOLE_SMTP_URL', secret: true, description: 'SMTP server for customer notifications', check: url('smtp:', 'smtps:') },
  { name: 'KEYHOLE_NOTIFY_FROM', secret: false, description: 'From: of notifications' },
  { name: 'KEYHOLE_NOTIFY_WEBHOOK', secret: true, description: 'URL notifications are posted to', check: url('http:', 'https:') },
  { name: 'KEYHOLE_NOTIFY_WEBHOOK_SECRET', secret: true, description: 'signing secret of KEYHOLE_NOTIFY_WEBHOOK' },
  { name: 'KEYHOLE_PROTECTION_WEBHOOK', secret: true, description: 'URL protective measures are posted to', check: url('http:', 'https:') },
  { name: 'KEYHOLE_PROTECTION_WEBHOOK_SECRET', secret: true, description: 'signing secret of KEYHOLE_PROTECTION_WEBHOOK' },
  { name: 'KEYHOLE_EXCHANGE_NAME', secret: false, description: 'the exchange\'s name in notifications' },
  { name: 'KEYHOLE_DPO_CONTACT', secret: false, description: 'the data-protection officer in regulator reports' },
  { name: 'KEYHOLE_OUTBOX_SENDER', secret: false, description: '0: do not send notifications from this server', check: oneOf('0', '1') },
  // keys (src/vault)
  { name: 'KEYHOLE_KEYS', secret: false, description: 'key provider: master, file or pkcs11', check: oneOf('master', 'file', 'pkcs11') },
  { name: 'KEYHOLE_PKCS11_MODULE', secret: false, description: 'path of the PKCS#11 module (HSM)' },
  { name: 'KEYHOLE_PKCS11_TOKEN_LABEL', secret: false, description: 'label of the PKCS#11 token' },
  { name: 'KEYHOLE_PKCS11_PIN', secret: true, ownFile: true, description: 'PIN of the PKCS#11 token (or KEYHOLE_PKCS11_PIN_FILE, mode 0600)' },
  // audit log throughput (src/audit/group-commit-config.ts)
  { name: 'KEYHOLE_GROUP_COMMIT', secret: false, description: '1/on/true: group commit of audit appends' },
  { name: 'KEYHOLE_GROUP_COMMIT_LANES', secret: false, description: 'group commit lanes' },
  { name: 'KEYHOLE_GROUP_COMMIT_MAX_BATCH', secret: false, description: 'group commit: most appends per commit' },
  { name: 'KEYHOLE_GROUP_COMMIT_WAIT_MS', secret: false, description: 'group commit: longest wait for a batch, ms' },
  { name: 'KEYHOLE_PROOF_CACHE_TILES', secret: false, description: 'proof tile cache size, tiles (12 KiB each at most)' },
  { name: 'KEYHOLE_WITNESS_POLICY', secret: false, description: 'the witness policy (which witnesses, how many)' },
  // identity (src/identity)
  { name: 'KEYHOLE_PUBLIC_URL', secret: false, description: 'the public URL of this deployment (OIDC redirect)', check: url('http:', 'https:') },
  { name: 'KEYHOLE_OIDC_ISSUER', secret: false, description: 'OIDC issuer for staff sign-in', check: url('https:', 'http:') },
  { name: 'KEYHOLE_OIDC_CLIENT_ID', secret: false, description: 'OIDC client id' },
  { name: 'KEYHOLE_OIDC_CLIENT_SECRET', secret: true, description: 'OIDC client secret' },
  { name: 'KEYHOLE_OIDC_PROVIDER_NAME', secret: false, description: 'the identity provider\'s name on the sign-in page' },
  { name: 'KEYHOLE_OIDC_SCOPES', secret: false, description: 'OIDC scopes requested' },
  { name: 'KEYHOLE_IDENTITY_MAPPING', secret: false, description: 'mapping of identity-provider groups to roles' },
  { name: 'KEYHOLE_SIGNIN_MAX_FAILURES', secret: false, description: 'failed sign-ins before a lock-out' },
  { name: 'KEYHOLE_SIGNIN_WINDOW_S', secret: false, description: 'window of KEYHOLE_SIGNIN_MAX_FAILURES, s' },
  // integrations (helpdesks, SIEM)
  { name: 'KEYHOLE_HELPDESK_CONFIG', secret: false, description: 'helpdesk integration configuration' },
  { name: 'KEYHOLE_HELPDESK_WEBHOOK_SECRET', secret: true, description: 'helpdesk webhook signing secret' },
  { name: 'KEYHOLE_ZENDESK_URL', secret: false, description: 'Zendesk URL', check: url('https:', 'http:') },
  { name: 'KEYHOLE_ZENDESK_EMAIL', secret: false, description: 'Zendesk API user' },
  { name: 'KEYHOLE_ZENDESK_API_TOKEN', secret: true, description: 'Zendesk API token' },
  { name: 'KEYHOLE_ZENDESK_SECRET', secret: true, description: 'Zendesk webhook signing secret' },
  { name: 'KEYHOLE_FRESHDESK_URL', secret: false, description: 'Freshdesk URL', check: url('https:', 'http:') },
  { name: 'KEYHOLE_FRESHDESK_API_KEY', secret: true, description: 'Freshdesk API key' },
  { name: 'KEYHOLE_FRESHDESK_SECRET', secret: true, description: 'Freshdesk webhook secret' },
  { name: 'KEYHOLE_SIEM_CONFIG', secret: false, description: 'SIEM sinks configuration' },
  { name: 'KEYHOLE_SPLUNK_HEC_TOKEN', secret: true, description: 'Splunk HTTP Event Collector token' },
  { name: 'KEYHOLE_LAKE_AUTH', secret: true, description: 'authorization for the security data-lake sink' },
  { name: 'KEYHOLE_METRICS_TOKEN', secret: true, description: 'bearer token /metrics requires (unset: open)' },
  { name: 'KEYHOLE_STAFF_STEP_UP', secret: false, description: 'staff WebAuthn step-up: required or off', check: oneOf('required', 'off') },
  // TLS and proxies (src/server, src/identity)
  { name: 'KEYHOLE_TLS_CERT_FILE', secret: false, description: 'TLS certificate chain (PEM file) to serve HTTPS directly' },
  { name: 'KEYHOLE_TLS_KEY_FILE', secret: false, description: 'TLS private key (PEM file; keep it mode 0600)' },
  { name: 'KEYHOLE_CLOCK', secret: false, description: 'system (default) or controlled: a clock a benchmark or test moves (PUT /v1/bench/clock); refused unless KEYHOLE_MODE is test or bench', check: oneOf('system', 'controlled') },
  { name: 'KEYHOLE_CLOCK_START', secret: false, description: 'ISO 8601 start time of the controlled clock (default: now)' },
  { name: 'KEYHOLE_MODE', secret: false, description: 'test or bench: allows KEYHOLE_CLOCK=controlled; unset in production', check: oneOf('test', 'bench') },
  { name: 'KEYHOLE_TRUST_PROXY', secret: false, description: 'proxies trusted for X-Forwarded-* (addresses or hop count)' },
];

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));
/** Variables that are not settings but may be set (tests, tooling). */
const IGNORED = new Set(['KEYHOLE_TEST_DATABASE_URL', 'KEYHOLE_BENCH_DATABASE_URL', 'KEYHOLE_RUN_FROM']);

/** Replaces every secret given as <NAME>_FILE by the file's contents in `env` (in place; the
 *  _FILE variable is removed). @throws KeyholeError CONFIG_INVALID when both NAME and NAME_FILE
 *  are set, the setting is not a secret, or the file cannot be read. */
export function loadSecretFiles(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(env)) {
    if (!key.endsWith('_FILE') || key === 'KEYHOLE_PUBLISHED_CHECKPOINT_FILE') continue;
    const name = key.slice(0, -'_FILE'.length);
    const setting = BY_NAME.get(name);
    if (!setting || setting.ownFile) continue; // not ours (unknown: `config check` names it), or read by its module
    if (!setting.secret) throw new KeyholeError('CONFIG_INVALID', `${key}: ${name} is not a secret; set it directly.`);
    if (env[name] !== undefined && env[name] !== '') throw new KeyholeError('CONFIG_INVALID', `Both ${name} and ${key} are set; use one.`);
    let text: string;
    try {
      text = readFileSync(env[key]!, 'utf8');
    } catch (cause) {
      throw new KeyholeError('CONFIG_INVALID', `${key}: cannot read the file.`, { cause });
    }
    env[name] = text.replace(/\r?\n$/, '');
    delete env[key];
  }
}

/** One line of the effective configuration. */
export interface ConfigEntry {
  readonly name: string;
  /** The value, `(redacted)` for a secret, or null when unset (the default applies). */
  readonly value: string | null;
  readonly fromFile: boolean;
  readonly problem: string | null;
}

/** The result of `keyhole config check`. */
export interface ConfigReport {
  readonly entries: readonly ConfigEntry[];
  /** KEYHOLE_* variables Keyhole does not know (typos, removed settings). */
  readonly unknown: readonly string[];
  readonly ok: boolean;
}

/** Checks `env` (before loadSecretFiles: it reports which secrets come from files). */
export function checkConfig(env: Readonly<Record<string, string | undefined>>): ConfigReport {
  const entries = SETTINGS.map((s): ConfigEntry => {
    const file = s.secret ? env[`${s.name}_FILE`] : undefined;
    let value = env[s.name];
    let problem: string | null = null;
    if (file !== undefined && value !== undefined && value !== '') problem = `both ${s.name} and ${s.name}_FILE are set`;
    else if (file !== undefined) {
      try {
        value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch {
        problem = `${s.name}_FILE: cannot read the file`;
      }
    }
    if (problem === null && value !== undefined && value !== '' && s.check) problem = s.check(value) ?? null;
    const shown = value === undefined || value === '' ? null : s.secret ? '(redacted)' : value;
    return { name: s.name, value: shown, fromFile: file !== undefined, problem };
  });
  const unknown = Object.keys(env).filter((k) => k.startsWith('KEYHOLE_') && !IGNORED.has(k) && !BY_NAME.has(k)
    && !(k.endsWith('_FILE') && BY_NAME.get(k.slice(0, -5))?.secret)).sort();
  return { entries, unknown, ok: unknown.length === 0 && entries.every((e) => e.problem === null) };
}

/** The report as text: one line per setting, then the problems. */
export function formatConfig(r: ConfigReport): string {
  const width = Math.max(...r.entries.map((e) => e.name.length));
  const lines = r.entries.map((e) => `${e.name.padEnd(width)}  ${e.value ?? '(default)'}${e.fromFile ? '  [from file]' : ''}${e.problem ? `  ← ${e.problem}` : ''}`);
  for (const u of r.unknown) lines.push(`unknown variable: ${u}`);
  lines.push(r.ok ? 'configuration ok' : 'configuration has problems');
  return lines.join('\n');
}
