// Customer-side state the policy needs: the privacy lock (issue 6 adds the customer's switch).
import type { BrokerDb } from './model.js';

/** True when the customer has locked their data (every access but break-glass is denied).
 *  Until the customer portal exists no customer can set the lock, so this is always false. */
export async function isCustomerLocked(_db: BrokerDb, _customerId: string): Promise<boolean> {
  return false;
}
