// Canonical phone numbers for verify-only comparison and exact-match lookup: ITU-T E.164
// (`+` then at most 15 digits). National numbers take the country calling code of the
// customer's jurisdiction from a fixed table, with its trunk prefix rule.

/** Calling code and national trunk prefix (dropped from national numbers) per ISO country. */
export const CALLING_CODES: Readonly<Record<string, { readonly code: string; readonly trunk: string }>> = {
  US: { code: '1', trunk: '1' }, CA: { code: '1', trunk: '1' },
  GB: { code: '44', trunk: '0' }, DE: { code: '49', trunk: '0' }, FR: { code: '33', trunk: '0' },
  SG: { code: '65', trunk: '' }, JP: { code: '81', trunk: '0' }, AU: { code: '61', trunk: '0' },
  NL: { code: '31', trunk: '0' }, BE: { code: '32', trunk: '0' }, CH: { code: '41', trunk: '0' },
  AT: { code: '43', trunk: '0' }, IE: { code: '353', trunk: '0' }, SE: { code: '46', trunk: '0' },
  ES: { code: '34', trunk: '' }, IT: { code: '39', trunk: '' }, PT: { code: '351', trunk: '' },
  NO: { code: '47', trunk: '' }, DK: { code: '45', trunk: '' }, PL: { code: '48', trunk: '' },
  IN: { code: '91', trunk: '0' }, KR: { code: '82', trunk: '0' }, HK: { code: '852', trunk: '' },
  NZ: { code: '64', trunk: '0' }, ZA: { code: '27', trunk: '0' }, AE: { code: '971', trunk: '0' },
};

const DIGITS = /^[0-9]+$/;
/** Characters people put between digits. */
const SEPARATORS = new Set([' ', '-', '.', '(', ')', '/', '\u00a0', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014']);

/** Parses a phone number into E.164 (`+4915123456789`), or null.
 *  - NFKC first (full-width digits), then `(0)` is dropped (`+44 (0)20 …`) and separators
 *    (spaces, dashes, dots, parentheses, slashes) removed; any other character → null.
 *  - `+…` and `00…` (and `011…` for US/CA) are international.
 *  - Otherwise the number is national: it needs `country` (ISO 3166-1 alpha-2) from
 *    CALLING_CODES; one trunk prefix is dropped (`0` in most, `1` in US/CA when 11 digits).
 *  - The result MUST have 7–15 digits after `+` (E.164 §6.2), else null. */
export function canonicalPhone(text: string, country?: string): string | null {
  const compact = Array.from(text.normalize('NFKC').trim().split('(0)').join('')).filter((c) => !SEPARATORS.has(c)).join('');
  if (compact === '') return null;
  const cc = country === undefined ? undefined : CALLING_CODES[country.toUpperCase()];
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (compact.startsWith('011') && cc?.code === '1') digits = compact.slice(3);
  else if (cc === undefined) return null;
  else digits = cc.code + nationalSignificant(compact, cc.trunk, cc.code === '1');
  if (!DIGITS.test(digits) || digits.length < 7 || digits.length > 15 || digits.startsWith('0')) return null;
  return `+${digits}`;
}

/** A national number without its trunk prefix. */
function nationalSignificant(national: string, trunk: string, nanp: boolean): string {
  if (trunk === '') return national;
  if (nanp) return national.length === 11 && national.startsWith('1') ? national.slice(1) : national;
  return national.startsWith(trunk) ? national.slice(trunk.length) : national;
}
