// The clock a benchmark or test controls (issue 15 item 1): with KEYHOLE_CLOCK=controlled the
// server's clock stands still and moves only when told (`PUT /v1/bench/clock`), so the detection
// benchmark runs "30 days" through the real HTTP server in minutes. Allowed only with
// KEYHOLE_MODE=test or KEYHOLE_MODE=bench; asked for anywhere else — production included —
// start-up fails (fail closed: a settable clock would let anyone outlive grants and budgets).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { FixedClock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import { errorResponses } from './schemas.js';

/** The modes in which a controlled clock may exist. */
const CLOCK_MODES = new Set(['test', 'bench']);

/** The controlled clock KEYHOLE_CLOCK asks for, or undefined (`system` or unset). It starts at
 *  KEYHOLE_CLOCK_START (ISO 8601) or the wall clock.
 *  @throws Error when KEYHOLE_CLOCK is neither `system` nor `controlled`, when `controlled` is
 *  asked for without KEYHOLE_MODE=test|bench or with NODE_ENV=production, or on a bad start. */
export function controlledClockFromEnv(env: Readonly<Record<string, string | undefined>>): FixedClock | undefined {
  const v = env.KEYHOLE_CLOCK?.trim() ?? '';
  if (v === '' || v === 'system') return undefined;
  if (v !== 'controlled') throw new Error(`KEYHOLE_CLOCK: "${v}" is not system or controlled`);
  const mode = env.KEYHOLE_MODE?.trim() ?? '';
  if (!CLOCK_MODES.has(mode) || env.NODE_ENV === 'production') {
    throw new Error('KEYHOLE_CLOCK=controlled is refused: it needs KEYHOLE_MODE=test or bench and never runs in production');
  }
  const start = env.KEYHOLE_CLOCK_START?.trim();
  const ms = start ? Date.parse(start) : Date.now();
  if (!Number.isFinite(ms)) throw new Error(`KEYHOLE_CLOCK_START: "${start}" is not an ISO 8601 time`);
  return new FixedClock(ms);
}

/** PUT /v1/bench/clock: moves the controlled clock forward to `time` (never back: 400
 *  BAD_REQUEST). Registered only when the runtime has a controlled clock. */
export function benchClockRoutes(clock: FixedClock): FastifyPluginAsyncZod {
  return async (app) => {
    app.put('/v1/bench/clock', {
      schema: { tags: ['bench'], summary: 'Move the controlled clock forward (KEYHOLE_CLOCK=controlled in test/bench mode only)',
        body: z.strictObject({ time: z.iso.datetime() }), response: { 200: z.object({ now: z.string() }), ...errorResponses } },
    }, async (req) => {
      const t = Date.parse(req.body.time);
      if (t < clock.now().getTime()) throw new KeyholeError('BAD_REQUEST', 'The controlled clock only moves forward.');
      clock.set(t);
      return { now: clock.now().toISOString() };
    });
  };
}
