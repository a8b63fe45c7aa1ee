// The default KeyProvider without KEYHOLE_MASTER_KEY: a JSON key file `keys.json` (mode 0600) in the data directory holding
// versioned KEKs, the blind-index key and the log signing seed, created with random keys on
// first use. docs/design/vault.md "Key file".
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES, openBytes, sealBytes } from './envelope.js';
import { assertKeyVersion, type KeyProvider, type ProviderSigner, type SignerPurpose } from './key-provider.js';
import { hmacSha256, softwareSignerFor } from './software-keys.js';

/** The key file's name inside the data directory. */
export const KEY_FILE_NAME = 'keys.json';
const FORMAT = 'keyhole-keys/1';

const key32 = z.string().refine((s) => {
  const b = Buffer.from(s, 'base64');
  return b.length === KEY_BYTES && b.toString('base64') === s;
}, 'must be base64 of 32 bytes');

// The key file is read from disk: parse it strictly.
const KeyFileSchema = z.object({
  format: z.literal(FORMAT),
  current: z.string(),
  keks: z.record(z.string().regex(/^file:[1-9][0-9]{0,8}$/), key32),
  blindIndexKey: key32,
  logSigningSeed: key32,
  /** Blind-index key versions >= 2 (version 1 is `blindIndexKey`), by version number. */
  blindIndexKeys: z.record(z.string().regex(/^[1-9][0-9]{0,8}$/), key32).optional(),
  /** Checkpoint signing seeds of versions >= 2 (version 1 is `logSigningSeed`). */
  logSigningSeeds: z.record(z.string().regex(/^[1-9][0-9]{0,8}$/), key32).optional(),
}).refine((f) => Object.hasOwn(f.keks, f.current), 'current KEK is missing');

type KeyFile = z.infer<typeof KeyFileSchema>;

/** KEKs `file:1`, `file:2`, … in `<dir>/keys.json`, with the blind-index key and the log
 *  signing seed. Software keys: for development and the demo. Writes are atomic (temporary file,
 *  then link/rename). A KEK id the file does not hold makes the provider re-read the file once,
 *  so a server sees a KEK another process (`keyhole keys rotate`) added. Several servers on one
 *  PostgreSQL need the same file. */
export class FileKeyProvider implements KeyProvider {
  readonly kind = 'file' as const;
  readonly software = true;
  readonly #file: string;
  #keys: KeyFile;
  readonly #signers = new Map<string, ProviderSigner>();

  private constructor(file: string, keys: KeyFile) {
    this.#file = file;
    this.#keys = keys;
  }

  /** Loads `<dir>/keys.json`; when absent and `create` (default true), creates `dir` (0700) and
   *  the file (0600, fresh random keys). @throws KeyholeError KEY_UNAVAILABLE when the file is
   *  absent and `create` is false, readable or writable by group or other, unreadable, or
   *  malformed. */
  static async open(dir: string, opts: { readonly create?: boolean } = {}): Promise<FileKeyProvider> {
    const file = path.join(dir, KEY_FILE_NAME);
    if (!(await exists(file))) {
      if (opts.create === false) {
        throw new KeyholeError('KEY_UNAVAILABLE', `There is no key file ${file}, and this database was set up with keys: set KEYHOLE_MASTER_KEY, KEYHOLE_KEYS or restore the key file.`);
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await createOnce(file, freshKeyFile());
    }
    return new FileKeyProvider(file, await load(file));
  }

  /** The key file's path. */
  get path(): string {
    return this.#file;
  }

  /** The file's `current` entry: what a fresh database records as current. */
  get initialKekId(): string {
    return this.#keys.current;
  }

  async kekIds(): Promise<string[]> {
    return this.#sortedIds();
  }

  async wrap(kekId: string, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return sealBytes(await this.#kek(kekId), aad, dataKey);
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return openBytes(await this.#kek(kekId), aad, wrapped);
  }

  async blindIndex(message: Uint8Array, version = 1): Promise<Uint8Array> {
    assertKeyVersion(version);
    const key = version === 1 ? this.#keys.blindIndexKey : await this.#versioned('blindIndexKeys', version);
    return hmacSha256(Buffer.from(key, 'base64'), message);
  }

  async signer(purpose: SignerPurpose, version = 1): Promise<ProviderSigner> {
    assertKeyVersion(version);
    const v = purpose === 'checkpoint' ? version : 1;
    const id = `${purpose}/${v}`;
    let s = this.#signers.get(id);
    if (!s) {
      const seed = v === 1 ? this.#keys.logSigningSeed : await this.#versioned('logSigningSeeds', v);
      s = softwareSignerFor(Buffer.from(seed, 'base64'), purpose);
      this.#signers.set(id, s);
    }
    return s;
  }

  /** Adds blind-index key `version` (>= 2, random) to the file. @throws KeyholeError CONFLICT
   *  when the file has it already (or for version 1). */
  async createBlindIndexKey(version: number): Promise<void> {
    await this.#addVersioned('blindIndexKeys', version);
  }

  async destroyBlindIndexKey(version: number): Promise<boolean> {
    return this.#dropVersioned('blindIndexKeys', version);
  }

  /** Adds checkpoint signing seed `version` (>= 2, random) to the file.
   *  @throws KeyholeError CONFLICT when the file has it already (or for version 1). */
  async createSigningKey(version: number): Promise<ProviderSigner> {
    await this.#addVersioned('logSigningSeeds', version);
    return this.signer('checkpoint', version);
  }

  async destroySigningKey(version: number): Promise<boolean> {
    this.#signers.delete(`checkpoint/${version}`);
    return this.#dropVersioned('logSigningSeeds', version);
  }

  /** The base64 key of `version` in `which`, re-reading the file once when it is missing
   *  (another process may have added it). @throws KeyholeError KEY_UNAVAILABLE. */
  async #versioned(which: 'blindIndexKeys' | 'logSigningSeeds', version: number): Promise<string> {
    const get = () => {
      const m = this.#keys[which];
      return m !== undefined && Object.hasOwn(m, String(version)) ? m[String(version)] : undefined;
    };
    if (get() === undefined) this.#keys = await load(this.#file);
    const b64 = get();
    if (b64 === undefined) throw new KeyholeError('KEY_UNAVAILABLE', `The key file has no ${which === 'blindIndexKeys' ? 'blind-index key' : 'signing key'} version ${version}.`);
    return b64;
  }

  async #addVersioned(which: 'blindIndexKeys' | 'logSigningSeeds', version: number): Promise<void> {
    assertKeyVersion(version);
    this.#keys = await load(this.#file);
    const m = this.#keys[which] ?? {};
    if (version === 1 || Object.hasOwn(m, String(version))) throw new KeyholeError('CONFLICT', `The key file already has ${which} version ${version}.`);
    await this.#save({ ...this.#keys, [which]: { ...m, [String(version)]: randomKey() } });
  }

  /** Version 1 lives in the fixed field and is overwritten with nothing: it is dropped by
   *  forgetting it only when a later version exists (the file keeps the field for its format). */
  async #dropVersioned(which: 'blindIndexKeys' | 'logSigningSeeds', version: number): Promise<boolean> {
    assertKeyVersion(version);
    this.#keys = await load(this.#file);
    if (version === 1) {
      // The format requires the field: replace the old key with fresh random bytes nobody holds.
      const field = which === 'blindIndexKeys' ? 'blindIndexKey' : 'logSigningSeed';
      if (which === 'logSigningSeeds') return false; // the evidence key derives from it: keep it
      await this.#save({ ...this.#keys, [field]: randomKey() });
      return true;
    }
    const m = this.#keys[which] ?? {};
    if (!Object.hasOwn(m, String(version))) return false;
    await this.#save({ ...this.#keys, [which]: Object.fromEntries(Object.entries(m).filter(([v]) => v !== String(version))) });
    return true;
  }

  /** Adds KEK `file:<version>` (random) to the file, re-read first so no other process's KEK is
   *  lost. @throws KeyholeError CONFLICT when the file has it already. */
  async createKek(version: number): Promise<string> {
    if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999) throw new RangeError('KEK version must be a positive integer');
    this.#keys = await load(this.#file);
    const id = `file:${version}`;
    if (Object.hasOwn(this.#keys.keks, id)) throw new KeyholeError('CONFLICT', `The key file already has KEK ${id}.`);
    await this.#save({ ...this.#keys, current: id, keks: { ...this.#keys.keks, [id]: randomKey() } });
    return id;
  }

  /** Deletes KEK `kekId` from the file (the caller checked nothing is wrapped under it).
   *  Returns false when the file has no such KEK. @throws KeyholeError CONFLICT for the file's
   *  only KEK. */
  async destroyKek(kekId: string): Promise<boolean> {
    this.#keys = await load(this.#file);
    if (!Object.hasOwn(this.#keys.keks, kekId)) return false;
    const rest = this.#sortedIds().filter((id) => id !== kekId);
    if (rest.length === 0) throw new KeyholeError('CONFLICT', 'The only KEK of the key file cannot be destroyed.');
    const keks = Object.fromEntries(Object.entries(this.#keys.keks).filter(([id]) => id !== kekId));
    const current = kekId === this.#keys.current ? (rest.at(-1) as string) : this.#keys.current;
    await this.#save({ ...this.#keys, current, keks });
    return true;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {}

  #sortedIds(): string[] {
    return Object.keys(this.#keys.keks).sort((a, b) => version(a) - version(b));
  }

  async #kek(kekId: string): Promise<Uint8Array> {
    if (!Object.hasOwn(this.#keys.keks, kekId)) this.#keys = await load(this.#file); // another process may have added it
    const b64 = Object.hasOwn(this.#keys.keks, kekId) ? this.#keys.keks[kekId] : undefined;
    if (b64 === undefined) throw new KeyholeError('KEY_UNAVAILABLE', `The key file has no KEK ${kekId}.`);
    return Buffer.from(b64, 'base64');
  }

  async #save(next: KeyFile): Promise<void> {
    const tmp = await writeTemp(this.#file, next);
    await rename(tmp, this.#file);
    this.#keys = next;
  }
}

function randomKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function freshKeyFile(): KeyFile {
  return { format: FORMAT, current: 'file:1', keks: { 'file:1': randomKey() }, blindIndexKey: randomKey(), logSigningSeed: randomKey() };
}

function version(kekId: string): number {
  return Number(kekId.slice('file:'.length));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new KeyholeError('KEY_UNAVAILABLE', `Cannot read the key file ${file}.`, { cause: e });
  }
}

/** Writes `keys` to a fresh temporary file next to `file` with mode 0600, synced. */
async function writeTemp(file: string, keys: KeyFile): Promise<string> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o600); // whatever the umask
    await fh.writeFile(`${JSON.stringify(keys, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Creates `file` atomically unless another process got there first (then theirs wins). */
async function createOnce(file: string, keys: KeyFile): Promise<void> {
  const tmp = await writeTemp(file, keys);
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new KeyholeError('KEY_UNAVAILABLE', `Cannot create the key file ${file}.`, { cause: e });
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function load(file: string): Promise<KeyFile> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if ((st.mode & 0o077) !== 0) {
      throw new KeyholeError('KEY_UNAVAILABLE', `The key file ${file} is accessible by group or other; run chmod 600 on it.`);
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof KeyholeError) throw e;
    throw new KeyholeError('KEY_UNAVAILABLE', `Cannot read the key file ${file}.`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyholeError('KEY_UNAVAILABLE', `The key file ${file} is not JSON.`); // no cause: it may quote key bytes
  }
  const r = KeyFileSchema.safeParse(parsed);
  if (!r.success) throw new KeyholeError('KEY_UNAVAILABLE', `The key file ${file} is malformed.`);
  return r.data;
}
