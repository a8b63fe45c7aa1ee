// Failed sign-in attempts are rate-limited per client (issue 10.11): every request that presents
// a credential — an agent's bearer token or session cookie, a service or SCIM token, a customer
// session cookie or passkey assertion — is refused with 429 RATE_LIMITED and Retry-After while its
// client (the request's IP; behind a trusted proxy, the forwarded one; IPv6 by /64) has used up
// its failures in the window. Only failures count; requests without any credential are not sign-in
// attempts. Counters are @fastify/rate-limit's in-process store (per server; a cluster multiplies
// the allowance by its size).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';

/** Failures allowed per client and window. */
export interface SignInLimitOptions {
  /** Failed attempts a client may make in one window (≥ 1). */
  readonly maxFailures: number;
  /** The window in ms (fixed, starting at the client's first failure). */
  readonly windowMs: number;
}

/** The defaults: 20 failures a minute per client. */
export const DEFAULT_SIGN_IN_LIMIT: SignInLimitOptions = { maxFailures: 20, windowMs: 60_000 };

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** The limiter an app carries (decorated by `installSignInLimit`). */
export interface SignInLimit {
  /** Runs `check` (the credential check) unless the client is limited; counts a failure
   *  (`undefined`, or a thrown UNAUTHENTICATED / PASSKEY_INVALID — not an outage). The failure that uses up the allowance still gets its own
   *  answer (401); the attempts after it get 429.
   *  @throws KeyholeError RATE_LIMITED (with the Retry-After header set on `reply`). */
  attempt<T>(req: FastifyRequest, reply: FastifyReply, check: () => Promise<T | undefined>): Promise<T | undefined>;
}

declare module 'fastify' {
  interface FastifyInstance {
    signInLimit: SignInLimit | undefined;
  }
}

const EnvSchema = z.object({
  KEYHOLE_SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000_000).optional(),
  KEYHOLE_SIGNIN_WINDOW_S: z.coerce.number().int().min(1).max(86_400).optional(),
});

/** The limit from `KEYHOLE_SIGNIN_MAX_FAILURES` and `KEYHOLE_SIGNIN_WINDOW_S` (defaults above).
 *  @throws Error on a value that is not a positive integer in range. */
export function signInLimitFromEnv(env: NodeJS.ProcessEnv): SignInLimitOptions {
  const e = EnvSchema.parse({ KEYHOLE_SIGNIN_MAX_FAILURES: env.KEYHOLE_SIGNIN_MAX_FAILURES || undefined, KEYHOLE_SIGNIN_WINDOW_S: env.KEYHOLE_SIGNIN_WINDOW_S || undefined });
  return {
    maxFailures: e.KEYHOLE_SIGNIN_MAX_FAILURES ?? DEFAULT_SIGN_IN_LIMIT.maxFailures,
    windowMs: (e.KEYHOLE_SIGNIN_WINDOW_S ?? DEFAULT_SIGN_IN_LIMIT.windowMs / 1000) * 1000,
  };
}

/** Registers @fastify/rate-limit on `app` (no global limit) and decorates `app.signInLimit`,
 *  which the authentication hooks of every child scope use. */
export async function installSignInLimit(app: FastifyInstance, opts: SignInLimitOptions): Promise<void> {
  await app.register(rateLimit, { global: false });
  const limiter: Limiter = app.createRateLimit({ max: opts.maxFailures, timeWindow: opts.windowMs });
  app.decorate('signInLimit', {
    async attempt(req, reply, check) {
      const state = await limiter(req, { increment: false });
      if (!state.isAllowed && state.remaining === 0 && state.ttl > 0) {
        reply.header('retry-after', String(Math.max(1, state.ttlInSeconds)));
        throw new KeyholeError('RATE_LIMITED', 'Too many failed sign-in attempts from this client; retry later.');
      }
      let result: Awaited<ReturnType<typeof check>>;
      try {
        result = await check();
      } catch (e) {
        if (isKeyholeError(e, 'UNAUTHENTICATED') || isKeyholeError(e, 'PASSKEY_INVALID')) await limiter(req);
        throw e;
      }
      if (result === undefined) await limiter(req);
      return result;
    },
  } satisfies SignInLimit);
}

/** Runs `check` through the app's sign-in limit (unlimited when none is installed). */
export function limitedSignIn<T>(req: FastifyRequest, reply: FastifyReply, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const limit = req.server.signInLimit;
  return limit ? limit.attempt(req, reply, check) : check();
}
