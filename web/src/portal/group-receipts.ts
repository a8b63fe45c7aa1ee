// Receipts grouped per ticket and contact (issue 14 item 5): consecutive records of the same
// kind — same action and outcome, same agent, same ticket, same fields at the same levels — read
// as one contact ("opened your account 20 times on ticket …, 09:01–09:40") instead of 20
// near-identical rows. What a record is comes from its verified leaf when there is one. Pure.
import type { CheckedReceipt } from './use-verified-receipts';

/** A run of alike receipts, newest first; `items[0]` is the newest. */
export interface ReceiptGroup {
  readonly key: string;
  readonly items: readonly CheckedReceipt[];
}

function sameness(c: CheckedReceipt): string {
  const r = c.check && c.check.state !== 'failed' && c.check.record ? c.check.record : c.receipt;
  const fields = Object.entries(r.fields).sort((a, b) => a[0].localeCompare(b[0]));
  return JSON.stringify([r.action, r.decision, r.ticketId, r.byCustomer, r.breakGlass, c.receipt.agent?.pseudonym ?? null, fields, c.check?.state === 'failed']);
}

/** Groups consecutive alike receipts of `items` (in their order). */
export function groupReceipts(items: readonly CheckedReceipt[]): ReceiptGroup[] {
  const out: { key: string; same: string; items: CheckedReceipt[] }[] = [];
  for (const c of items) {
    const same = sameness(c);
    const last = out[out.length - 1];
    if (last && last.same === same) last.items.push(c);
    else out.push({ key: c.key, same, items: [c] });
  }
  return out.map((g) => ({ key: g.key, items: g.items }));
}
