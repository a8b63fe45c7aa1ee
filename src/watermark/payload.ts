// The forensic mark's payload: which session showed a page, and when. Browser-safe (the console
// draws the mark; `keyhole watermark identify` reads it back). docs/design/watermark.md.

/** Length of one time slot of the mark, in minutes. */
export const SLOT_MINUTES = 10;
/** Slots are numbered modulo this (36², two base-36 digits): the numbering repeats every
 *  1,296 × 10 min = 9 days, far longer than a session (12 h), so a slot within a session's span
 *  names one 10-minute window. */
export const SLOT_CYCLE = 36 * 36;

const MARK = /^([0-9A-F]{8})([0-9A-Z]{2})$/;

/** The slot number (0 ≤ n < SLOT_CYCLE) of the time `at`. */
export function slotOf(at: Date): number {
  return Math.floor(at.getTime() / 60_000 / SLOT_MINUTES) % SLOT_CYCLE;
}

/** The text a mark carries: the session code's 8 hex digits (upper case, no dash) and the
 *  slot as two base-36 digits — 10 characters of the QR alphanumeric set, which fit a
 *  version 1 QR code at error-correction level H (ISO/IEC 18004 Table 7: 10 characters).
 *  @throws TypeError when `sessionCode` is not `XXXX-XXXX` hex. */
export function markText(sessionCode: string, at: Date): string {
  const hex = sessionCode.replace('-', '').toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(hex)) throw new TypeError('a session code is XXXX-XXXX in hex');
  return hex + slotOf(at).toString(36).toUpperCase().padStart(2, '0');
}

/** A decoded mark: the session code as the console shows it (`ABCD-1234`) and the slot. */
export interface MarkPayload {
  readonly sessionCode: string;
  readonly slot: number;
}

/** Parses the text of a decoded code; undefined for anything that is not a Keyhole mark. */
export function parseMark(text: string): MarkPayload | undefined {
  const m = MARK.exec(text);
  if (!m) return undefined;
  const slot = parseInt(m[2]!, 36);
  return { sessionCode: `${m[1]!.slice(0, 4)}-${m[1]!.slice(4)}`, slot };
}

/** The 10-minute windows within [from, to) whose slot is `slot`, as [start, end) pairs
 *  (empty when none; at most one per 9 days). */
export function slotWindows(slot: number, from: Date, to: Date): Array<readonly [Date, Date]> {
  const len = SLOT_MINUTES * 60_000;
  const out: Array<readonly [Date, Date]> = [];
  let start = Math.floor(from.getTime() / len) * len;
  for (; start < to.getTime(); start += len) {
    if (Math.floor(start / len) % SLOT_CYCLE === slot) out.push([new Date(start), new Date(start + len)] as const);
  }
  return out;
}
