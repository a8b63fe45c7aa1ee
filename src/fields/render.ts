// Renders one field value at one disclosure level: the last step before a value leaves the
// server. hidden/verify_only → nothing; masked/banded → masking.ts; revealed → the value, with
// transactions still limited to the ticket's scope. DESIGN.md "Masked by default".
import { effectiveLevel } from './catalog.js';
import type { FieldName, Purpose } from './catalog-types.js';
import { levelRank, type Level } from './levels.js';
import { bandUsd } from './bands.js';
import * as mask from './masking.js';
import { parseFieldValue } from './value-schemas.js';
import type { FieldValues } from './values.js';

/** The JSON a rendered field becomes in a response. */
export type RenderedValue = string | number | boolean | null | readonly RenderedValue[] | { readonly [key: string]: RenderedValue };

/** What rendering needs from the ticket. `referencedTx` are the transaction ids the ticket
 *  references; `purpose` is the ticket's purpose — only `fraud_investigation` puts every
 *  transaction in scope. */
export interface RenderContext {
  readonly referencedTx: readonly string[];
  readonly purpose?: Purpose;
}

type Shown = 'masked' | 'banded' | 'revealed';
type Renderer<F extends FieldName> = (value: FieldValues[F], ctx: RenderContext) => RenderedValue;
type Renderers = { readonly [F in FieldName]: Readonly<Partial<Record<Shown, Renderer<F>>>> };

/** The value as JSON (values are plain JSON data; interfaces just lack index signatures). */
const json = (v: unknown): RenderedValue => v as RenderedValue;
const same = <F extends FieldName>(): Renderer<F> => (v) => json(v);
const inScope = (v: FieldValues['transactions'], ctx: RenderContext) => mask.scopeTransactions(v, ctx.referencedTx, ctx.purpose === 'fraud_investigation');

/** The renderer of every (field, shown level); the keys MUST equal the catalog's levels ≥ masked. */
export const RENDERERS: Renderers = {
  fullName: { masked: mask.maskName, revealed: same() },
  email: { masked: mask.maskEmail, revealed: same() },
  phone: { masked: mask.maskPhone, revealed: same() },
  dateOfBirth: { masked: mask.maskDate, revealed: same() },
  address: { masked: (v) => json(mask.maskAddress(v)), revealed: same() },
  nationality: { revealed: same() },
  governmentId: { masked: mask.maskGovernmentId, revealed: same() },
  kycDocuments: { masked: (v) => json(mask.maskDocuments(v)), revealed: same() },
  twoFactorMethod: { revealed: same() },
  lastLoginAt: { masked: mask.maskTimestamp, revealed: same() },
  lastLoginIp: { masked: mask.maskIp, revealed: same() },
  lastLoginDevice: { masked: mask.maskDevice, revealed: same() },
  withdrawalAllowlist: { masked: (v) => json(mask.maskAllowlist(v)), revealed: same() },
  pgpFingerprint: { masked: mask.maskFingerprint, revealed: same() },
  antiPhishingCode: { revealed: same() },
  totalBalance: { banded: bandUsd, revealed: same() },
  holdings: { masked: (v) => json(mask.maskHoldings(v)), banded: (v) => json(mask.bandHoldings(v)), revealed: same() },
  transactions: { masked: (v, ctx) => json(mask.maskTransactions(inScope(v, ctx))), revealed: (v, ctx) => json(inScope(v, ctx)) },
  bankAccounts: { masked: (v) => json(mask.maskBankAccounts(v)), revealed: same() },
  accountId: { revealed: same() },
  tier: { revealed: same() },
  accountStatus: { revealed: same() },
  jurisdiction: { revealed: same() },
  createdAt: { revealed: same() },
};

/** Renders `value` of `field` at `level` for a ticket (`ctx`).
 *  - The level is first lowered to the highest level the field supports (`effectiveLevel`): a
 *    field without a `masked` form asked for `masked` renders at the next level below.
 *  - `hidden` and `verify_only` → null (the value is not used at all).
 *  - `masked` / `banded` → the kind's masking (masking.ts, bands.ts).
 *  - `revealed` → the value, except transactions: only those in `ctx.referencedTx` unless
 *    `ctx.purpose` is `fraud_investigation` (same scope at `masked`).
 *  `value` is parsed first (value-schemas.ts): unknown keys are dropped.
 *  @throws KeyholeError FIELD_VALUE_INVALID when `value` does not have the field's shape. */
export function renderField<F extends FieldName>(field: F, value: FieldValues[F], level: Level, ctx: RenderContext): RenderedValue | null {
  const shown = effectiveLevel(field, level);
  if (levelRank(shown) < levelRank('masked')) return null;
  const render = RENDERERS[field][shown as Shown] as Renderer<F> | undefined;
  if (render === undefined) return null; // unreachable while RENDERERS matches the catalog (tested)
  return render(parseFieldValue(field, value), ctx);
}
