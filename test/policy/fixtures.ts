// Shared inputs of the policy tests: a well-formed view (every gate condition met) and
// temporary policy directories built from the repository's policies plus or minus files.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY_DIR } from '../../src/policy/engine.js';
import type { PolicyAgent, PolicyCustomer, PolicyTicket, ViewInput } from '../../src/policy/types.js';

export const AGENT: PolicyAgent = { id: 'agt_alice', role: 'agent', team: 'tier1', vendor: 'inhouse', regions: ['DE', 'FR'], suspended: false };
export const SUPERVISOR: PolicyAgent = { id: 'agt_sam', role: 'supervisor', team: 'tier1', vendor: 'inhouse', regions: ['DE'], suspended: false };
export const SECURITY: PolicyAgent = { id: 'agt_sec', role: 'security', team: 'security', vendor: 'inhouse', regions: ['DE'], suspended: false };
export const TICKET: PolicyTicket = { id: 'tkt_1', purpose: 'withdrawal_issue', status: 'open', assigneeId: AGENT.id };
export const CUSTOMER: PolicyCustomer = { id: 'cus_1', jurisdiction: 'DE', locked: false };

/** A view that every policy allows: Alice's open withdrawal ticket on a German customer. */
export const VIEW: ViewInput = { agent: AGENT, ticket: TICKET, customer: CUSTOMER, grantedFields: [] };

/** A temporary copy of policies/ with `files` added (or replaced; `null` removes a file). */
export function policyDir(files: Readonly<Record<string, string | null>>): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-policies-'));
  cpSync(DEFAULT_POLICY_DIR, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(path.join(dir, name));
    else writeFileSync(path.join(dir, name), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
