// The agents' activity timeline of an incident: every record of the agents in scope within the
// window — allowed and denied, exposing or not — in log order, with what each one exposed.
// Paginated by sequence number; bounded by the latest signed checkpoint.
import { latestCheckpoint } from '../audit/checkpoint-store.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { exposuresOf, type LoggedRecord } from './exposure.js';
import { scopePage } from './log-scope.js';
import type { Incident, IncidentDb } from './model.js';

/** One record of the timeline: the audit record, its sequence number, and the (field, level)
 *  pairs it exposed (empty for a denial or a record that shows nothing). */
export interface TimelineItem {
  readonly seq: number;
  readonly record: AuditRecord;
  readonly exposes: readonly { readonly field: string; readonly level: string }[];
}

/** A page: items with `after` < seq, and `nextAfter` to continue (null at the end). */
export interface TimelinePage {
  readonly size: number;
  readonly items: readonly TimelineItem[];
  readonly nextAfter: number | null;
}

/** The timeline item of a logged record. */
export function timelineItem(r: LoggedRecord): TimelineItem {
  return { seq: r.seq, record: r.record, exposes: exposuresOf(r.record).map(([field, level]) => ({ field, level })) };
}

/** Up to `limit` timeline items after sequence number `after` (-1: from the start). */
export async function timelinePage(db: IncidentDb, incident: Incident, after: number, limit: number): Promise<TimelinePage> {
  const size = (await latestCheckpoint(db))?.size ?? 0;
  const page = await scopePage(db, incident, size, after, limit);
  return { size, items: page.map(timelineItem), nextAfter: page.length === limit ? page.at(-1)!.seq : null };
}
