// Shift rosters as data: who works when, for the off-shift detector and the working-day
// boundaries of the volume detectors. Set one agent's shift through the API
// (`PUT /v1/agents/{id}/roster`), many from a CSV (`keyhole import rosters FILE`), or from the demo
// seed. Every change is a `roster_update` record on the log — widening one's own hours is how an
// insider would blind the detector, so nobody changes their own. docs/design/detect.md "Rosters".
import { parse } from 'csv-parse/sync';
import { loadAgent } from '../access/agents.js';
import type { BrokerDeps, RequestContext } from '../access/model.js';
import { audited, denial } from '../access/recorder.js';
import { KeyholeError } from '../shared/errors.js';
import type { Shift } from './context.js';
import type { DetectDb } from './containment.js';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A shift as the API and CSV write it: `start` "HH:MM" UTC, `hours` 1–24, `days` weekday
 *  names (sun…sat). */
export interface RosterShift {
  readonly start: string;
  readonly hours: number;
  readonly days: readonly (typeof WEEKDAYS)[number][];
}

/** The stored form (minutes after UTC midnight, minutes, weekday bit mask: bit 0 = Sunday).
 *  @throws KeyholeError VALIDATION_FAILED on a bad time, length or day. */
export function toShift(r: RosterShift): Shift {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(r.start);
  if (!m) throw new KeyholeError('VALIDATION_FAILED', `A shift starts at HH:MM (UTC), not "${r.start}".`);
  if (!(Number.isFinite(r.hours) && r.hours >= 1 && r.hours <= 24)) throw new KeyholeError('VALIDATION_FAILED', 'A shift lasts 1 to 24 hours.');
  if (r.days.length === 0) throw new KeyholeError('VALIDATION_FAILED', 'A shift needs at least one working day.');
  let days = 0;
  for (const d of r.days) {
    const i = WEEKDAYS.indexOf(d);
    if (i < 0) throw new KeyholeError('VALIDATION_FAILED', `Unknown weekday "${d}" (sun, mon, tue, wed, thu, fri, sat).`);
    days |= 1 << i;
  }
  return { startMin: Number(m[1]) * 60 + Number(m[2]), minutes: Math.round(r.hours * 60), days };
}

/** The API form of a stored shift. */
export function fromShift(s: Shift): RosterShift {
  const hh = String(Math.floor(s.startMin / 60)).padStart(2, '0');
  const mm = String(s.startMin % 60).padStart(2, '0');
  return { start: `${hh}:${mm}`, hours: s.minutes / 60, days: WEEKDAYS.filter((_, i) => (s.days & (1 << i)) !== 0) };
}

/** The roster of `agentId`, or null when none is set (the off-shift detector is then inactive
 *  for that agent, and says so). */
export async function getRoster(db: DetectDb, agentId: string): Promise<Shift | null> {
  const r = await db.selectFrom('detect_agent_profiles').select(['shift_start_min', 'shift_minutes', 'work_days']).where('agent_id', '=', agentId).executeTakeFirst();
  return r ? { startMin: r.shift_start_min, minutes: r.shift_minutes, days: r.work_days } : null;
}

/** Sets (or with null, removes) the roster of `agentId` and records `roster_update` with the old
 *  and new shift. Supervisors and security only, never their own.
 *  @throws KeyholeError FORBIDDEN, NOT_FOUND (no such agent), VALIDATION_FAILED. */
export function setRoster(deps: BrokerDeps, ctx: RequestContext, agentId: string, shift: RosterShift | null, reason: string | null): Promise<RosterShift | null> {
  return audited(deps, ctx, async (trx, rec) => {
    const deny = { action: 'roster_update' as const, customerId: null, ticketId: null, decision: 'deny' as const, details: { target: agentId } };
    if (ctx.agent.role === 'agent' || ctx.agent.id === agentId) throw denial('FORBIDDEN', { ...deny, reason: 'only a supervisor or security sets rosters, never their own' });
    const stored = shift === null ? null : toShift(shift);
    if (!(await loadAgent(trx, agentId))) throw new KeyholeError('NOT_FOUND', 'No such agent.');
    const db = trx as unknown as DetectDb;
    const before = await getRoster(db, agentId);
    await writeRoster(db, agentId, stored, deps.clock.now());
    await rec.append({
      action: 'roster_update', customerId: null, ticketId: null, decision: 'allow', reason,
      details: { target: agentId, before: before ? rosterText(before) : null, after: stored ? rosterText(stored) : null },
    });
    return stored ? fromShift(stored) : null;
  });
}

/** "mon,tue,wed,thu,fri 07:00+8h": a shift in one line (log details, CLI output). */
export function rosterText(s: Shift): string {
  const r = fromShift(s);
  return `${r.days.join(',')} ${r.start}+${r.hours}h`;
}

/** Upserts or deletes one roster row (no audit: callers record). */
export async function writeRoster(db: DetectDb, agentId: string, shift: Shift | null, now: Date): Promise<void> {
  if (shift === null) {
    await db.deleteFrom('detect_agent_profiles').where('agent_id', '=', agentId).execute();
    return;
  }
  const row = { shift_start_min: shift.startMin, shift_minutes: shift.minutes, work_days: shift.days, updated_at: now };
  await db.insertInto('detect_agent_profiles').values({ agent_id: agentId, ...row }).onConflict((oc) => oc.column('agent_id').doUpdateSet(row)).execute();
}

/** One parsed CSV row: the agent (id or e-mail as written) and its shift, with its line. */
export interface RosterRow {
  readonly line: number;
  readonly agent: string;
  readonly shift: Shift;
}

/** A row the CSV import refused, with its line number and why. */
export interface RosterRowError {
  readonly line: number;
  readonly reason: string;
}

/** Parses a roster CSV with a header row `agent,start,hours,days` (days: weekday names joined by
 *  `;` or a range like `mon-fri`). Every bad row is reported with its line; a file with any bad
 *  row imports nothing (all or nothing).
 *  @throws KeyholeError VALIDATION_FAILED when the header is wrong. */
export function parseRosterCsv(text: string): { rows: RosterRow[]; errors: RosterRowError[] } {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  const rows: RosterRow[] = [];
  const errors: RosterRowError[] = [];
  const seen = new Set<string>();
  for (const { record, info } of records) {
    const line = info.lines;
    if (!('agent' in record && 'start' in record && 'hours' in record && 'days' in record)) {
      throw new KeyholeError('VALIDATION_FAILED', 'A roster CSV has the header agent,start,hours,days.');
    }
    try {
      const agent = String(record.agent ?? '').trim();
      if (!agent) throw new KeyholeError('VALIDATION_FAILED', 'the agent is empty');
      if (seen.has(agent.toLowerCase())) throw new KeyholeError('VALIDATION_FAILED', `${agent} appears twice in the file`);
      seen.add(agent.toLowerCase());
      const shift = toShift({ start: String(record.start), hours: Number(record.hours), days: parseDays(String(record.days)) });
      rows.push({ line, agent, shift });
    } catch (e) {
      errors.push({ line, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { rows, errors };
}

function parseDays(s: string): Array<(typeof WEEKDAYS)[number]> {
  const out: Array<(typeof WEEKDAYS)[number]> = [];
  for (const part of s.toLowerCase().split(/[;\s]+/).filter(Boolean)) {
    const range = /^([a-z]{3})-([a-z]{3})$/.exec(part);
    if (range) {
      const a = WEEKDAYS.indexOf(range[1] as (typeof WEEKDAYS)[number]);
      const b = WEEKDAYS.indexOf(range[2] as (typeof WEEKDAYS)[number]);
      if (a < 0 || b < 0) throw new KeyholeError('VALIDATION_FAILED', `Unknown weekday range "${part}".`);
      for (let i = a; ; i = (i + 1) % 7) { out.push(WEEKDAYS[i]!); if (i === b) break; }
    } else {
      out.push(part as (typeof WEEKDAYS)[number]);
    }
  }
  return out;
}

/** The demo's rosters: each region's desk covers its own daytime in UTC — EMEA from 06:00,
 *  AMER from 12:00, APAC from 22:00 — for twelve hours, every day (so at any hour some desk is on
 *  shift and another is not); the security team from 06:00 for sixteen hours. */
export function demoRoster(staff: { readonly role: string; readonly team: string }): Shift {
  if (staff.role === 'security') return { startMin: 6 * 60, minutes: 16 * 60, days: 0b1111111 };
  const region = staff.team.split('-')[0]?.toUpperCase();
  const start = region === 'AMER' ? 12 * 60 : region === 'APAC' ? 22 * 60 : 6 * 60;
  return { startMin: start, minutes: 12 * 60, days: 0b1111111 };
}

/** Writes the demo rosters of `staff` (no audit record: the seed writes an empty database). */
export async function seedRosters(db: DetectDb, staff: ReadonlyArray<{ readonly id: string; readonly role: string; readonly team: string }>, now: Date): Promise<void> {
  for (const s of staff) await writeRoster(db, s.id, demoRoster(s), now);
}
