// The default KeyProvider: a JSON key file `keys.json` (mode 0600) in the data directory holding
// versioned KEKs, the blind-index key and the log signing seed, created with random keys on
// first use. docs/design/vault.md "Key file".
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES, openBytes, sealBytes } from './envelope.js';
import type { KeyProvider, WrappedKey } from './key-provider.js';

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
}).refine((f) => Object.hasOwn(f.keks, f.current), 'current KEK is missing');

type KeyFile = z.infer<typeof KeyFileSchema>;

/** KEKs `file:1`, `file:2`, … in `<dir>/keys.json`; `rotate()` appends the next version and makes
 *  it current. Writes are atomic (temporary file, then link/rename). One process per data
 *  directory (the store's lock); several servers on one PostgreSQL need the same file. */
export class FileKeyProvider implements KeyProvider {
  readonly #file: string;
  #keys: KeyFile;

  private constructor(file: string, keys: KeyFile) {
    this.#file = file;
    this.#keys = keys;
  }

  /** Loads `<dir>/keys.json`, creating `dir` (0700) and the file (0600, fresh random keys) when
   *  absent. @throws KeyholeError KEY_UNAVAILABLE when the file is readable or writable by group
   *  or other, unreadable, or malformed. */
  static async open(dir: string): Promise<FileKeyProvider> {
    const file = path.join(dir, KEY_FILE_NAME);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await exists(file))) await createOnce(file, freshKeyFile());
    return new FileKeyProvider(file, await load(file));
  }

  /** The key file's path. */
  get path(): string {
    return this.#file;
  }

  get currentKekId(): string {
    return this.#keys.current;
  }

  /** Every KEK id the file holds, oldest first. */
  get kekIds(): readonly string[] {
    return Object.keys(this.#keys.keks).sort((a, b) => version(a) - version(b));
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<WrappedKey> {
    const kekId = this.#keys.current;
    return { kekId, wrapped: sealBytes(this.#kek(kekId), aad, dataKey) };
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return openBytes(this.#kek(kekId), aad, wrapped);
  }

  async blindIndexKey(): Promise<Uint8Array> {
    return Buffer.from(this.#keys.blindIndexKey, 'base64');
  }

  async logSigningSeed(): Promise<Uint8Array> {
    return Buffer.from(this.#keys.logSigningSeed, 'base64');
  }

  /** Appends KEK `file:<max+1>` (random), makes it current and saves the file. */
  async rotate(): Promise<string> {
    const next = `file:${Math.max(...this.kekIds.map(version)) + 1}`;
    await this.#save({ ...this.#keys, current: next, keks: { ...this.#keys.keks, [next]: randomKey() } });
    return next;
  }

  /** Deletes KEK `kekId` from the file once no data key is wrapped under it (see
   *  `Vault.kekIdsInUse`); data keys still wrapped under it become KEY_UNAVAILABLE.
   *  Returns false when the file has no such KEK. @throws KeyholeError CONFLICT for the current KEK. */
  async dropKek(kekId: string): Promise<boolean> {
    if (kekId === this.#keys.current) throw new KeyholeError('CONFLICT', 'The current KEK cannot be dropped; rotate first.');
    if (!Object.hasOwn(this.#keys.keks, kekId)) return false;
    const keks = Object.fromEntries(Object.entries(this.#keys.keks).filter(([id]) => id !== kekId));
    await this.#save({ ...this.#keys, keks });
    return true;
  }

  #kek(kekId: string): Uint8Array {
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
