// The console's only way to the server: same-origin fetch of the public API with the session
// cookie, JSON in and out, never cached. Errors become ApiError with the API's stable `code`
// and its `message`, which the screens show as they are. A 401 tells the session to sign out.

import type { ErrorEnvelope } from './wire';

/** An API failure: the HTTP status and the `{ error: { code, message } }` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthenticated: (() => void) | undefined;

/** Sets the handler of a 401 on any call but /v1/me (the session ended elsewhere). */
export function setUnauthenticatedHandler(fn: (() => void) | undefined): void {
  onUnauthenticated = fn;
}

/** Confirms `method url` with a security key; resolves to the step-up token, or undefined
 *  when the action needs none (src/session/step-up.ts installs it). */
type StepUpHandler = (method: string, url: string) => Promise<string | undefined>;
let onStepUp: StepUpHandler | undefined;

/** Sets the handler of a STEP_UP_REQUIRED refusal (the action is retried once with its token). */
export function setStepUpHandler(fn: StepUpHandler | undefined): void {
  onStepUp = fn;
}

async function call<T>(method: string, url: string, body?: unknown, stepUp?: string): Promise<T> {
  let res: Response;
  try {
    const base: Record<string, string> = body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: stepUp === undefined ? base : { ...base, 'x-keyhole-step-up': stepUp },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The Keyhole server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as Partial<ErrorEnvelope> | undefined)?.error;
    if (res.status === 401 && url !== '/v1/me') onUnauthenticated?.();
    if (err?.code === 'STEP_UP_REQUIRED' && stepUp === undefined && onStepUp) {
      const token = await onStepUp(method, url);
      if (token !== undefined) return call<T>(method, url, body, token);
    }
    throw new ApiError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? `The server answered ${res.status}.`);
  }
  return json as T;
}

/** GET `url` (a path with its query string). */
export const get = <T>(url: string) => call<T>('GET', url);
/** POST `body` as JSON to `url`. */
export const post = <T>(url: string, body?: unknown) => call<T>('POST', url, body ?? {});
/** DELETE `url`. */
export const del = <T>(url: string) => call<T>('DELETE', url);
/** PUT `body` as JSON to `url`. */
export const put = <T>(url: string, body?: unknown) => call<T>('PUT', url, body ?? {});

/** Builds a query string from the defined, non-empty entries of `q`. */
export function query(q: Readonly<Record<string, string | number | undefined | null>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
