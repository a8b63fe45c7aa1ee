// Throwaway SoftHSM2 tokens for the PKCS#11 tests (issue 19): a temporary token directory named by
// SOFTHSM2_CONF, tokens made with `softhsm2-util --init-token`. SoftHSM2 reads its configuration and
// lists its tokens when the module is initialized, so a test process sets the configuration and
// creates every token it needs before it opens the first provider (`softhsmTokens`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pkcs11Config } from '../../src/vault/pkcs11-key-provider.js';

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 module on this machine, or undefined (then the PKCS#11 tests are skipped;
 *  .ci/run installs the Debian package softhsm2). */
export const SOFTHSM_MODULE: string | undefined = (() => {
  if (spawnSync('softhsm2-util', ['--version']).status !== 0) return undefined;
  return MODULE_CANDIDATES.find((p) => existsSync(p));
})();

/** The user PIN of every test token. */
export const TEST_PIN = '246810';

/** Tokens of one test process. `env(label)` is what a child `keyhole` process needs. */
export interface SoftHsmTokens {
  readonly dir: string;
  readonly conf: string;
  config(label: string, pin?: string): Pkcs11Config;
  env(label: string): Record<string, string>;
  rm(): void;
}

/** Creates a token directory, points this process's SOFTHSM2_CONF at it and initializes a token
 *  per label. Call once per process, before any provider opens. */
export function softhsmTokens(labels: readonly string[]): SoftHsmTokens {
  if (!SOFTHSM_MODULE) throw new Error('SoftHSM2 is not installed');
  const module = SOFTHSM_MODULE;
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-softhsm-'));
  const conf = path.join(dir, 'softhsm2.conf');
  const tokens = path.join(dir, 'tokens');
  execFileSync('mkdir', ['-p', tokens]);
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  for (const label of labels) {
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', TEST_PIN, '--so-pin', '13579'], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'ignore' });
  }
  return {
    dir,
    conf,
    config: (label, pin = TEST_PIN) => ({ module, tokenLabel: label, pin }),
    env: (label) => ({ SOFTHSM2_CONF: conf, KEYHOLE_KEYS: 'pkcs11', KEYHOLE_PKCS11_MODULE: module, KEYHOLE_PKCS11_TOKEN_LABEL: label, KEYHOLE_PKCS11_PIN: TEST_PIN }),
    rm: () => rmSync(dir, { recursive: true, force: true }),
  };
}

let shared: SoftHsmTokens | undefined;

/** With KEYHOLE_TEST_KEYS=pkcs11 (issue 19: the HTTP suite once on the PKCS#11 provider): the
 *  environment of one SoftHSM2 token shared by this test process, keys generated on first use;
 *  otherwise undefined (the harness then uses a random master key). */
export async function testKeysEnv(): Promise<Record<string, string> | undefined> {
  if (process.env.KEYHOLE_TEST_KEYS !== 'pkcs11') return undefined;
  if (!shared) {
    shared = softhsmTokens(['kh-harness']);
    const { Pkcs11KeyProvider } = await import('../../src/vault/pkcs11-key-provider.js');
    await Pkcs11KeyProvider.init(shared.config('kh-harness'));
    const tokens = shared;
    process.once('exit', () => tokens.rm());
  }
  return shared.env('kh-harness');
}
