// The canonicalizer the blind-index re-index job uses (src/vault/reindex.ts): the canonical
// string a stored field value was indexed by, with the customer's jurisdiction as country hint
// (as the seeder and imports index it). Keeps the vault free of field knowledge.
import { FIELD_CATALOG } from './catalog.js';
import { isFieldName } from './catalog-types.js';
import { canonicalFromValue } from './normalize.js';

/** The canonical form of `value` of `field` for its blind index, or null when the field is not
 *  a catalog field with a verification method or the value does not parse. Never throws. */
export function indexCanonical(field: string, value: unknown, customer: { readonly jurisdiction: string }): string | null {
  if (!isFieldName(field) || FIELD_CATALOG[field].verify === undefined) return null;
  return canonicalFromValue(field, value, { country: customer.jurisdiction });
}
