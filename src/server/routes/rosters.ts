// Shift rosters over HTTP: supervisors and security read all rosters and set one agent's shift
// (never their own); each change is a `roster_update` record. docs/design/detect.md "Rosters".
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DetectDb } from '../../detect/containment.js';
import { fromShift, setRoster } from '../../detect/rosters.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const Weekday = z.enum(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
const ShiftSchema = z.strictObject({
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM in UTC').describe('Start of the shift, HH:MM UTC'),
  hours: z.number().min(1).max(24).describe('Length of the shift in hours'),
  days: z.array(Weekday).min(1).max(7).describe('Working weekdays'),
});
const RosterRow = z.object({ agentId: z.string(), name: z.string(), role: z.string(), team: z.string(), shift: ShiftSchema.nullable(),
  offShiftDetection: z.enum(['active', 'no_roster']).describe('Whether the off-shift detector can judge this agent') });

/** Registers GET /v1/rosters and PUT /v1/agents/{id}/roster (authenticated scope). */
export function rosterRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    const staffOnly = (role: string) => { if (role === 'agent') throw new KeyholeError('FORBIDDEN', 'Only supervisors and the security team see and set rosters.'); };

    app.get('/v1/rosters', {
      schema: { tags: ['security'], summary: 'Every agent\'s shift roster; agents without one are named (the off-shift detector cannot judge them)',
        response: { 200: z.object({ rosters: z.array(RosterRow), withoutRoster: z.number().int() }), ...errorResponses } },
    }, async (req) => {
      staffOnly(ctxOf(req).agent.role);
      const rows = await (rt.db as unknown as DetectDb).selectFrom('agents as a').leftJoin('detect_agent_profiles as p', 'p.agent_id', 'a.id')
        .select(['a.id', 'a.name', 'a.role', 'a.team', 'p.shift_start_min', 'p.shift_minutes', 'p.work_days']).orderBy('a.id').execute();
      const rosters = rows.map((r) => {
        const shift = r.shift_start_min === null || r.shift_minutes === null || r.work_days === null ? null
          : fromShift({ startMin: r.shift_start_min, minutes: r.shift_minutes, days: r.work_days });
        return { agentId: r.id, name: r.name, role: r.role, team: r.team, shift: shift as z.infer<typeof ShiftSchema> | null, offShiftDetection: shift ? 'active' as const : 'no_roster' as const };
      });
      return { rosters, withoutRoster: rosters.filter((r) => r.shift === null && r.role === 'agent').length };
    });

    app.put('/v1/agents/:id/roster', {
      schema: { tags: ['security'], summary: 'Set or clear an agent\'s shift roster (supervisors, security; never one\'s own; recorded)',
        params: z.object({ id: IdSchema }),
        body: z.strictObject({ shift: ShiftSchema.nullable(), reason: z.string().trim().min(5).max(500) }),
        response: { 200: z.object({ agentId: z.string(), shift: ShiftSchema.nullable() }), ...errorResponses } },
    }, async (req) => {
      const shift = await setRoster(rt.broker.deps, ctxOf(req), req.params.id, req.body.shift, req.body.reason);
      return { agentId: req.params.id, shift: shift as z.infer<typeof ShiftSchema> | null };
    });
  };
}
