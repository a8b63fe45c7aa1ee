// What the customer's portal shows of incident response (GET /v1/customer/protections): the
// "we will never call you" banner, the measures in force on their account in plain words, and
// advice tailored to what was seen of them. Read-only; reveals no agent and no other customer.
import { isLevel, type Level } from '../fields/levels.js';
import { HIGH_BALANCE_TIERS } from './blast-radius.js';
import type { IncidentDb } from './model.js';
import { ADVICE, adviceTopics, MEASURE_WORDS, type AdviceTopic, type ProtectionKind } from './protection-rules.js';
import { listProtections } from './protections.js';

/** The banner text shown while a never-call measure is active. */
export const NEVER_CALL_BANNER = 'We will never call you. We never ask for your password, 2FA codes or seed phrase, and never ask you to move funds. If someone claiming to be us calls, hang up.';

/** The portal's view. `measures[].hours` is set for the withdrawal cool-down. */
export interface CustomerProtectionView {
  readonly banner: string | null;
  readonly measures: readonly { readonly kind: ProtectionKind; readonly text: string; readonly since: string; readonly hours: number | null }[];
  readonly advice: readonly { readonly topic: AdviceTopic; readonly title: string; readonly text: string }[];
}

/** The active measures and tailored advice of `customerId` (advice from the exposures recorded
 *  as the basis of their measures). */
export async function customerProtections(db: IncidentDb, customerId: string): Promise<CustomerProtectionView> {
  const active = await listProtections(db, { customerId, active: true, limit: 100 });
  if (active.length === 0) return { banner: null, measures: [], advice: [] };
  const fields: Record<string, Level> = {};
  for (const p of active) {
    for (const b of p.basis) {
      const [field, level] = b.split(':');
      if (field !== undefined && isLevel(level)) fields[field] = level;
    }
  }
  const tier = (await db.selectFrom('customers').select('tier').where('id', '=', customerId).executeTakeFirst())?.tier ?? '';
  const topics = adviceTopics({ fields, highBalance: HIGH_BALANCE_TIERS.includes(tier) });
  return {
    banner: active.some((p) => p.kind === 'never_call_banner') ? NEVER_CALL_BANNER : null,
    measures: active.map((p) => ({
      kind: p.kind, text: MEASURE_WORDS[p.kind], since: p.appliedAt,
      hours: p.kind === 'withdrawal_cooldown' ? Number(p.params.hours ?? 48) : null,
    })),
    advice: topics.map((topic) => ({ topic, ...ADVICE[topic] })),
  };
}
