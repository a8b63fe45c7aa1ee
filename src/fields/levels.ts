// The disclosure ladder of a customer field: hidden < verify_only < masked < banded < revealed.
// DESIGN.md "Field catalog".

/** The levels in increasing order of disclosure. */
export const LEVELS = ['hidden', 'verify_only', 'masked', 'banded', 'revealed'] as const;

/** How much of a field an agent sees. */
export type Level = (typeof LEVELS)[number];

/** The rank of a level (0 = hidden … 4 = revealed). */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

/** True when `level` is a Level. */
export function isLevel(level: unknown): level is Level {
  return typeof level === 'string' && (LEVELS as readonly string[]).includes(level);
}
