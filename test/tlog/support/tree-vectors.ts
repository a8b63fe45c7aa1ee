// Locates and loads the RFC 6962 / 9162 test vectors in ../shared/vectors (see its README):
// relative to the repository root only (this file is test/tlog/support/), whatever the
// working directory.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** `../shared/vectors` from the repository root. */
export const VECTORS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'vectors');

/** Every .json file under `dir` (relative to rfc6962/), sorted. */
export function vectorFiles(dir: string): string[] {
  const root = path.join(VECTORS_DIR, 'rfc6962', dir);
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? walk(p) : e.name.endsWith('.json') ? [p] : [];
    });
  return walk(root).sort();
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export interface InclusionProbe {
  leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean;
}
export interface ConsistencyProbe {
  size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean;
}
export interface Roots {
  leafInputsHex: string[];
  rootsBySizeHex: string[];
}
