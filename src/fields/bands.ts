// Money bands: the `banded` level of balances and holdings. A band says the order of magnitude
// and nothing finer; everything from $1M up is only "high", so a band never singles out the
// richest customers (DESIGN.md "Masked by default": `$10k–$100k`).

/** The band labels, ascending. `high` covers every value ≥ $1M and MUST NOT be rendered as
 *  "≥ $1M" or any other figure. `unknown` is for a non-finite number. */
export const MONEY_BANDS = ['<$100', '$100–$1k', '$1k–$10k', '$10k–$100k', '$100k–$1M', 'high'] as const;

/** A money band label. */
export type MoneyBand = (typeof MONEY_BANDS)[number] | 'unknown';

/** Upper bounds (exclusive, USD) of every band but the last. */
const BOUNDS = [100, 1_000, 10_000, 100_000, 1_000_000] as const;

/** The band of `usd` (a number of US dollars): `[0,100)` → `<$100`, `[100,1k)` → `$100–$1k`, …,
 *  `[100k,1M)` → `$100k–$1M`, `≥ 1M` → `high`. Negative amounts band as `<$100`; NaN and
 *  ±Infinity as `unknown`. */
export function bandUsd(usd: number): MoneyBand {
  if (!Number.isFinite(usd)) return 'unknown';
  const i = BOUNDS.findIndex((b) => usd < b);
  return MONEY_BANDS[i === -1 ? BOUNDS.length : i] as MoneyBand;
}
