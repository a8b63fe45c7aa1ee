// A draft report to the supervisory authority, in Markdown, with what GDPR Art. 33(3) asks
// for: (a) the nature of the breach, the categories and approximate numbers of data subjects
// and of records; (b) a contact point; (c) likely consequences; (d) measures taken or proposed —
// plus the Art. 33(1) 72-hour deadline and the Art. 34 communication to data subjects. A draft
// for the DPO to complete, not a filing. Pure: the caller gathers the figures.
import { LEVELS } from '../fields/levels.js';
import type { BlastRadius } from './blast-radius.js';
import type { Incident } from './model.js';
import { FIELD_CATEGORY, fieldWords, utc } from './plain-words.js';
import type { ProtectionKind } from './protection-rules.js';

/** The figures the report needs besides the incident and its blast radius. */
export interface ReportFacts {
  readonly exchange: string;
  /** Contact point (DPO) text, or null for a placeholder. */
  readonly contact: string | null;
  /** Active measures by kind. */
  readonly protections: Readonly<Partial<Record<ProtectionKind, number>>>;
  /** Customer notifications by status (pending, sending, sent, failed). */
  readonly notifications: Readonly<Record<string, number>>;
  readonly generatedAt: Date;
}

/** Jurisdictions of the EU/EEA among those Keyhole's demo knows (GDPR applies there; GB has the UK GDPR). */
const EEA = new Set(['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO']);

/** The report as Markdown. */
export function regulatorReport(incident: Incident, blast: BlastRadius, facts: ReportFacts): string {
  const t = blast.totals;
  const aware = incident.openedAt;
  const deadline = new Date(aware.getTime() + 72 * 3600_000);
  const eea = Object.entries(t.byJurisdiction).filter(([j]) => EEA.has(j)).reduce((n, [, c]) => n + c, 0);
  const categories = new Map<string, number>();
  for (const [field, v] of Object.entries(t.byField)) categories.set(FIELD_CATEGORY[field] ?? 'other', Math.max(categories.get(FIELD_CATEGORY[field] ?? 'other') ?? 0, v.customers));
  const lines = [
    `# Personal data breach notification — DRAFT`, '',
    `*${facts.exchange}, incident ${incident.id}. Generated ${utc(facts.generatedAt.toISOString())} from the tamper-evident access log (signed tree of ${blast.log.size} entries). To be completed and approved by the data protection officer before filing.*`, '',
    `## Timing (Art. 33(1))`, '',
    `- Became aware: ${utc(aware.toISOString())} (incident opened; access contained at the same time).`,
    `- Notification due to the supervisory authority by: **${utc(deadline.toISOString())}** (72 hours).`,
    `- Period of unauthorised access examined: ${incident.scope.since ? utc(incident.scope.since.toISOString()) : 'the beginning of the log'} to ${utc(incident.scope.until.toISOString())}.`, '',
    `## (a) Nature of the breach`, '',
    `Unauthorised access to customer records by ${incident.scope.agentIds.length} member(s) of support staff${incident.scope.vendor ? ` of the service provider ${incident.scope.vendor}` : ''} using their ordinary access. Reason recorded: ${incident.reason}`, '',
    `Confidentiality breach: records were viewed; no record was altered or deleted through this access.`, '',
    `- Data subjects concerned: **${t.customers}**${eea > 0 ? ` (${eea} in the EU/EEA)` : ''}; of them ${t.highBalance.customers} hold high balances.`,
    `- Access records concerned: **${t.records}** log entries.`,
    `- By jurisdiction: ${Object.entries(t.byJurisdiction).sort(([a], [b]) => a.localeCompare(b)).map(([j, n]) => `${j} ${n}`).join(', ') || 'none'}.`, '',
    `Categories of personal data concerned (data subjects whose data of each kind was shown, and the most shown):`, '',
    `| data | category | data subjects | records | most shown |`, `| --- | --- | ---: | ---: | --- |`,
    ...Object.entries(t.byField).map(([field, v]) => `| ${fieldWords(field).replace(/^your /, '')} | ${FIELD_CATEGORY[field] ?? 'other'} | ${v.customers} | ${v.count} | ${[...LEVELS].reverse().find((l) => (v.byLevel[l] ?? 0) > 0) ?? 'hidden'} |`),
    '', `Levels: *revealed* = shown in full; *banded* = as a range; *masked* = partly hidden; *verify_only* = not shown, an answer could be checked against it; existence = the person was confirmed to be a customer.`, '',
    `## (b) Contact point`, '', facts.contact ?? '[Name and contact details of the data protection officer]', '',
    `## (c) Likely consequences`, '',
    ...consequences(t.byField, t.highBalance.customers), '',
    `## (d) Measures taken or proposed`, '',
    `- Containment: the staff member(s) were suspended, their just-in-time grants revoked and their sessions ended on ${utc(aware.toISOString())}.`,
    `- Protective measures in force: ${Object.entries(facts.protections).map(([k, n]) => `${k.replaceAll('_', ' ')} for ${n} customers`).join('; ') || 'none yet'}.`,
    `- Communication to data subjects (Art. 34): ${Object.entries(facts.notifications).map(([s, n]) => `${n} ${s}`).join(', ') || 'not yet queued'}.`,
    `- Evidence: a signed evidence bundle with inclusion and consistency proofs is available to the authority and to law enforcement.`,
    `- Proposed: [review of access rights of the service provider, further measures].`, '',
  ];
  return lines.join('\n');
}

function consequences(byField: BlastRadius['totals']['byField'], high: number): string[] {
  const seen = (...f: string[]) => f.some((x) => (byField[x]?.customers ?? 0) > 0);
  const out = ['- Targeted phishing and impersonation of the exchange\'s support ("vishing") using the details seen.'];
  if (seen('phone')) out.push('- SIM-swap and phone-number port-out attacks to take over SMS-based sign-in.');
  if (seen('totalBalance', 'holdings', 'transactions') || high > 0) out.push('- Targeting of customers known to hold crypto-assets, including extortion and physical threats.');
  if (seen('address')) out.push('- Risk to physical safety where home addresses were shown.');
  if (seen('governmentId', 'kycDocuments', 'dateOfBirth')) out.push('- Identity theft using identity data.');
  return out;
}
