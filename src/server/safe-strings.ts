// The schema layer refuses strings PostgreSQL and JSON text cannot hold faithfully: NUL
// (U+0000; PostgreSQL text rejects it) and unpaired UTF-16 surrogates (not Unicode scalar
// values; they cannot be encoded as UTF-8). Every route's body, query, params and headers pass
// through here before zod, so such input is a 400 everywhere instead of a 500 from the database.
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { KeyholeError } from '../shared/errors.js';

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` holds a NUL or an unpaired surrogate. */
export function isUnsafeString(s: string): boolean {
  return UNSAFE.test(s);
}

/** The JSON-pointer-like path of the first unsafe string (a key or a value) in `data`, or
 *  undefined. Walks at most `depth` levels (deeper input is left to the schema). */
export function findUnsafeString(data: unknown, path = '', depth = 32): string | undefined {
  if (typeof data === 'string') return isUnsafeString(data) ? path || '/' : undefined;
  if (data === null || typeof data !== 'object' || depth === 0) return undefined;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const hit = findUnsafeString(data[i], `${path}/${i}`, depth - 1);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(data)) {
    // The key is attacker-controlled: name its position, never its text.
    if (isUnsafeString(k)) return `${path}/<key>`;
    const hit = findUnsafeString(v, `${path}/${k.length <= 40 && /^[\w.-]*$/.test(k) ? k : '<key>'}`, depth - 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** fastify-type-provider-zod's validator compiler with the unsafe-string check in front.
 *  Fails with KeyholeError VALIDATION_FAILED naming where (never the value). */
export const safeValidatorCompiler: FastifySchemaCompiler<ZodType> = (route) => {
  const zod = validatorCompiler(route);
  return (data: unknown) => {
    const at = findUnsafeString(data);
    if (at !== undefined) {
      return { error: new KeyholeError('VALIDATION_FAILED', `The request does not match the schema (${route.httpPart ?? 'input'}${at}: NUL characters and unpaired surrogates are not allowed).`) };
    }
    return zod(data);
  };
};
