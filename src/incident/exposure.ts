// Exposure, exactly from the log: which audit records showed which customer field at which
// level, folded per customer and field into the highest level, a count and the first and last
// time. A pure function of the records, shared by the server (blast radius) and the offline
// bundle verifier, so both compute the same answer. Browser-safe: no Node, no database.
import type { AuditRecord } from '../shared/audit-entry.js';
import { FIELD_NAMES } from '../fields/catalog-types.js';
import { isLevel, levelRank, type Level } from '../fields/levels.js';

/** The pseudo-field of a lookup: the agent learned that the customer exists. */
export const EXISTENCE = 'existence';

/** One audit record with its sequence number in the log. */
export interface LoggedRecord {
  readonly seq: number;
  readonly record: AuditRecord;
}

/** What the blast radius counts: an agent's records with since <= time <= until. */
export interface ExposureScope {
  readonly agentIds: readonly string[];
  /** ISO 8601, or null for the beginning of the log. */
  readonly since: string | null;
  readonly until: string;
}

/** One field of one customer: the highest `level` shown, how many records showed it (`count`),
 *  the first and last record time, and those records' sequence numbers (ascending). */
export interface FieldExposure {
  readonly field: string;
  readonly level: Level;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly seqs: readonly number[];
}

/** Everything shown of one customer: per field (catalogue order, `existence` last), the
 *  exposing records' sequence numbers, the first and last time, and the agents involved. */
export interface CustomerExposure {
  readonly customerId: string;
  readonly fields: readonly FieldExposure[];
  readonly seqs: readonly number[];
  readonly firstAt: string;
  readonly lastAt: string;
  readonly agents: readonly string[];
}

/** The (field, level) pairs that `record` showed, or none. Exposure is an *allowed* decision
 *  about a customer that showed a field above `hidden`: a `view` shows the fields its record
 *  lists at their levels (hidden ones excepted); a `verify` shows its field at `verify_only`
 *  (match / no match); a `lookup` shows that the customer exists (`existence` at `revealed`).
 *  Denials, and records that show no field (ticket_open, reveal_request, grant_use — which
 *  always accompanies the view it raised), expose nothing. */
export function exposuresOf(record: AuditRecord): ReadonlyArray<readonly [string, Level]> {
  if (record.decision !== 'allow' || typeof record.customerId !== 'string') return [];
  const fields = record.fields !== null && typeof record.fields === 'object' ? Object.entries(record.fields) : [];
  switch (record.action) {
    case 'view':
      return fields.flatMap(([f, l]) => (isLevel(l) && l !== 'hidden' ? [[f, l] as const] : []));
    case 'verify':
      return fields.map(([f]) => [f, 'verify_only'] as const);
    case 'lookup':
      return [[EXISTENCE, 'revealed']];
    default:
      return [];
  }
}

/** True when `record` is in `scope` (its agent is in scope and its time in the window). */
export function inScope(record: AuditRecord, scope: ExposureScope): boolean {
  if (record.agentId === null || !scope.agentIds.includes(record.agentId)) return false;
  const t = Date.parse(record.time);
  if (Number.isNaN(t)) return false;
  return (scope.since === null || t >= Date.parse(scope.since)) && t <= Date.parse(scope.until);
}

interface FieldAcc { level: Level; count: number; firstAt: string; lastAt: string; seqs: number[] }
interface CustomerAcc { fields: Map<string, FieldAcc>; seqs: number[]; firstAt: string; lastAt: string; agents: Set<string> }

/** Folds records (in ascending `seq` order) into per-customer exposure. */
export class ExposureAccumulator {
  readonly #customers = new Map<string, CustomerAcc>();
  #lastSeq = -1;

  /** Adds one record; records out of scope or exposing nothing are ignored.
   *  @throws RangeError when `seq` is not greater than the previous one. */
  add(entry: LoggedRecord, scope: ExposureScope): void {
    if (entry.seq <= this.#lastSeq) throw new RangeError('records must be added in ascending seq order');
    this.#lastSeq = entry.seq;
    const { record } = entry;
    if (!inScope(record, scope)) return;
    const shown = exposuresOf(record);
    if (shown.length === 0) return;
    const id = record.customerId as string;
    const c: CustomerAcc = this.#customers.get(id) ?? { fields: new Map(), seqs: [], firstAt: record.time, lastAt: record.time, agents: new Set<string>() };
    this.#customers.set(id, c);
    c.seqs.push(entry.seq);
    c.lastAt = record.time;
    c.agents.add(record.agentId as string);
    for (const [field, level] of shown) {
      const f = c.fields.get(field);
      if (f === undefined) {
        c.fields.set(field, { level, count: 1, firstAt: record.time, lastAt: record.time, seqs: [entry.seq] });
      } else {
        if (levelRank(level) > levelRank(f.level)) f.level = level;
        f.count++;
        f.lastAt = record.time;
        if (f.seqs.at(-1) !== entry.seq) f.seqs.push(entry.seq);
      }
    }
  }

  /** The exposure of every customer, by customer id. */
  result(): CustomerExposure[] {
    return [...this.#customers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([customerId, c]) => ({
      customerId,
      fields: [...c.fields.entries()].sort(([a], [b]) => fieldOrder(a) - fieldOrder(b) || (a < b ? -1 : a > b ? 1 : 0))
        .map(([field, f]) => ({ field, level: f.level, count: f.count, firstAt: f.firstAt, lastAt: f.lastAt, seqs: f.seqs })),
      seqs: c.seqs, firstAt: c.firstAt, lastAt: c.lastAt, agents: [...c.agents].sort(),
    }));
  }
}

/** The exposure of `records` (ascending seq) within `scope`. */
export function computeExposure(records: Iterable<LoggedRecord>, scope: ExposureScope): CustomerExposure[] {
  const acc = new ExposureAccumulator();
  for (const r of records) acc.add(r, scope);
  return acc.result();
}

/** Catalogue position of a field (`existence` and unknown names after every field). */
export function fieldOrder(field: string): number {
  const i = (FIELD_NAMES as readonly string[]).indexOf(field);
  return i >= 0 ? i : field === EXISTENCE ? FIELD_NAMES.length : FIELD_NAMES.length + 1;
}
