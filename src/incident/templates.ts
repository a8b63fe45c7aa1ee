// Notification templates: shipped defaults, edited versions stored in incident_templates (every
// version kept, the highest current), validation and rendering. A template is plain text with
// `{{variable}}` placeholders from a fixed list; nothing else is interpreted, so an edited
// template can neither run code nor pull in data it was not given.
import { KeyholeError } from '../shared/errors.js';
import type { IncidentDb } from './model.js';

/** The templates Keyhole renders. */
export const TEMPLATE_KEYS = ['customer_notice'] as const;

/** A template name. */
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

/** The placeholders a template may use: the exchange's name, the customer's account number, the
 *  incident reference, when it was contained, the period of access, and bulleted lists of what
 *  was seen, what was done and what to do, and what we never ask. */
export const TEMPLATE_VARIABLES = ['exchange', 'accountId', 'reference', 'containedAt', 'period', 'seen', 'done', 'todo', 'neverAsk'] as const;

/** A placeholder name. */
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** A template version. Version 0 is the shipped default (never stored). */
export interface Template {
  readonly key: TemplateKey;
  readonly version: number;
  readonly subject: string;
  readonly body: string;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
}

/** The shipped defaults. */
export const DEFAULT_TEMPLATES: Readonly<Record<TemplateKey, { readonly subject: string; readonly body: string }>> = {
  customer_notice: {
    subject: '{{exchange}}: a member of our support staff accessed your account information',
    body: `Account {{accountId}} (reference {{reference}})

What happened
A member of our support staff accessed customer records without a legitimate reason during {{period}}. We detected it, and on {{containedAt}} we removed their access. Every access to customer data is recorded in a tamper-evident log, so we know exactly what they saw of your account.

What they saw
{{seen}}

What we have done
{{done}}

What you can do
{{todo}}

We will never ask you for:
{{neverAsk}}

If anything about your account looks wrong, contact us through the app or the website you normally use, not through a link or phone number in a message.

{{exchange}} Security
`,
  },
};

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const MAX_SUBJECT = 300;
const MAX_BODY = 20_000;

/** Checks an edited template (attacker-controlled text from the console): a non-empty subject of
 *  at most 300 characters on one line, a body of at most 20,000, and only known placeholders.
 *  @throws KeyholeError TEMPLATE_INVALID naming the problem (never echoing the text). */
export function validateTemplate(subject: string, body: string): void {
  if (subject.trim().length === 0 || subject.length > MAX_SUBJECT || /[\r\n]/.test(subject)) {
    throw new KeyholeError('TEMPLATE_INVALID', 'The subject must be one line of 1 to 300 characters.');
  }
  if (body.trim().length === 0 || body.length > MAX_BODY) throw new KeyholeError('TEMPLATE_INVALID', 'The body must be 1 to 20,000 characters.');
  for (const text of [subject, body]) {
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(m[1] as string)) {
        throw new KeyholeError('TEMPLATE_INVALID', `Unknown placeholder {{${(m[1] as string).slice(0, 40)}}}; use one of ${TEMPLATE_VARIABLES.join(', ')}.`);
      }
    }
  }
}

/** `text` with every `{{variable}}` replaced by its value (an unknown one by nothing). */
export function renderTemplate(text: string, vars: Readonly<Record<TemplateVariable, string>>): string {
  return text.replace(PLACEHOLDER, (_, name: string) => (Object.hasOwn(vars, name) ? vars[name as TemplateVariable] : ''));
}

/** The current version of `key`: the highest stored, else the shipped default (version 0). */
export async function currentTemplate(db: IncidentDb, key: TemplateKey): Promise<Template> {
  const r = await db.selectFrom('incident_templates').selectAll().where('key', '=', key).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!r) return { key, version: 0, ...DEFAULT_TEMPLATES[key], updatedBy: null, updatedAt: null };
  return { key, version: r.version, subject: r.subject, body: r.body, updatedBy: r.updated_by, updatedAt: r.updated_at.toISOString() };
}

/** Stores a new version of `key` (validated) and returns it.
 *  @throws KeyholeError TEMPLATE_INVALID; CONFLICT when another edit took the version first. */
export async function saveTemplate(db: IncidentDb, key: TemplateKey, input: { readonly subject: string; readonly body: string }, agentId: string | null, now: Date): Promise<Template> {
  validateTemplate(input.subject, input.body);
  const version = (await currentTemplate(db, key)).version + 1;
  try {
    await db.insertInto('incident_templates').values({ key, version, subject: input.subject, body: input.body, updated_by: agentId, updated_at: now }).execute();
  } catch (cause) {
    throw new KeyholeError('CONFLICT', 'The template was edited at the same time; reload it.', { cause });
  }
  return { key, version, subject: input.subject, body: input.body, updatedBy: agentId, updatedAt: now.toISOString() };
}
