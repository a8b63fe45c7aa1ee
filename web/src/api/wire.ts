// Helpers over the generated wire types (schema.d.ts, `npm run gen:api`): the JSON body of one
// operation's response by path, method and status. Pages keep their short names (types.ts,
// portal/api.ts), each an alias of a generated type, so nothing is copied by hand.
import type { components, paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON body `path` answers `method` with at `status` (default 200). */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number = 200> =
  NonNullable<paths[P][M]> extends { readonly responses: infer R }
    ? S extends keyof R ? (R[S] extends { content: { readonly 'application/json': infer B } } ? B : never) : never
    : never;

/** The JSON request body of `path` for `method`. */
export type RequestBody<P extends keyof paths, M extends Method> =
  NonNullable<paths[P][M]> extends { readonly requestBody?: { readonly content: { readonly 'application/json': infer B } } } ? B : never;

/** The element type of an array type. */
export type Item<A> = A extends readonly (infer T)[] ? T : never;

/** `{"error": {"code", "message"}}`: every failure (src/server/error-handler.ts). */
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];

/** A stable error code (docs/errors.md). */
export type ErrorCode = ErrorEnvelope['error']['code'];
