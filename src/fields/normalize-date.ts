// Canonical dates for verify-only comparison: what a caller says ("7 March 1990", "07/03/1990",
// "19900307") → ISO 8601 calendar date `YYYY-MM-DD`. Free text is attacker-controlled: parsed by
// tokens against fixed tables, never by a RegExp built from it.

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

/** Jurisdictions that write numeric dates month first (`03/07/1990` = 7 March). */
const MONTH_FIRST = new Set(['US']);

const DIGITS = /^[0-9]+$/;
const ORDINAL = /^([0-9]{1,2})(st|nd|rd|th)$/;
const SEPARATORS = /[\s,./\-]+/u;

/** `YYYY-MM-DD` for a real calendar date (years 1000–9999), else null. */
export function isoDate(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return null;
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(y)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A day token: `7`, `07` or `7th`; null otherwise. */
function dayOf(token: string): number | null {
  const o = ORDINAL.exec(token);
  if (o) return Number(o[1]);
  return DIGITS.test(token) && token.length <= 2 ? Number(token) : null;
}

/** Three numeric tokens: `Y M D` when the first has 4 digits, else `a b Y` — day first unless the
 *  jurisdiction writes month first; an impossible reading (a part above 12) flips it. */
function fromNumbers(a: string, b: string, c: string, country: string | undefined): string | null {
  if (a.length === 4) return b.length <= 2 && c.length <= 2 ? isoDate(Number(a), Number(b), Number(c)) : null;
  if (c.length !== 4 || a.length > 2 || b.length > 2) return null;
  const [x, y, year] = [Number(a), Number(b), Number(c)];
  let monthFirst = country !== undefined && MONTH_FIRST.has(country.toUpperCase());
  if (x > 12) monthFirst = false;
  else if (y > 12) monthFirst = true;
  return monthFirst ? isoDate(year, x, y) : isoDate(year, y, x);
}

/** Parses a spoken or typed date into `YYYY-MM-DD`, or null when it is not one unambiguous real
 *  date. Accepts `1990-03-07` (also `/` or `.`), `07/03/1990` / `07.03.1990` / `07-03-1990`
 *  (day first, month first for `country` US; a part above 12 decides), `19900307`, and English
 *  month names in either order (`7 March 1990`, `March 7th, 1990`, `7 Mar 1990`). Two-digit
 *  years are rejected. Input is NFKC-normalized first (full-width digits). */
export function canonicalDate(text: string, country?: string): string | null {
  const tokens = text.normalize('NFKC').trim().toLowerCase().split(SEPARATORS).filter((t) => t !== '');
  if (tokens.length === 1) {
    const t = tokens[0] as string;
    return t.length === 8 && DIGITS.test(t) ? isoDate(Number(t.slice(0, 4)), Number(t.slice(4, 6)), Number(t.slice(6, 8))) : null;
  }
  if (tokens.length !== 3) return null;
  const [a, b, c] = tokens as [string, string, string];
  if (DIGITS.test(a) && DIGITS.test(b) && DIGITS.test(c)) return fromNumbers(a, b, c, country);
  const monthAt = tokens.findIndex((t) => Object.hasOwn(MONTHS, t));
  if (monthAt < 0) return null;
  const month = MONTHS[tokens[monthAt] as string] as number;
  const rest = tokens.filter((_, i) => i !== monthAt);
  const yearAt = rest.findIndex((t) => t.length === 4 && DIGITS.test(t));
  if (yearAt < 0) return null;
  const day = dayOf(rest[1 - yearAt] as string);
  return day === null ? null : isoDate(Number(rest[yearAt]), month, day);
}
