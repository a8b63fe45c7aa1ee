// Helpdesk settings: the purpose mapping (helpdesk tags and custom fields → Keyhole ticket
// purpose) from a YAML file (KEYHOLE_HELPDESK_CONFIG), the public URL agents click, and each
// adapter's secrets from the environment (never from the file, which may be committed).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PURPOSES, type Purpose } from '../../fields/catalog-types.js';
import { KeyholeError } from '../../shared/errors.js';

const Rule = z.strictObject({
  purpose: z.enum(PURPOSES),
  tags: z.array(z.string().min(1).max(200)).default([]),
  fields: z.record(z.string().min(1).max(100), z.string().max(200)).default({}),
});
const File = z.strictObject({
  defaultPurpose: z.enum(PURPOSES).default('general_inquiry'),
  purposes: z.array(Rule).default([]),
});

/** One mapping rule: a ticket carrying any of `tags`, or any custom field `id` with the given
 *  value, gets `purpose`. Rules are tried in order; the first match wins. */
export type PurposeRule = z.infer<typeof Rule>;

/** An adapter's API access for writing the Keyhole link back and looking users up. */
export interface HelpdeskApi {
  /** Base URL, e.g. `https://acme.zendesk.com` or `https://acme.freshdesk.com`. */
  readonly baseUrl: string;
  /** The `Authorization` header value (Zendesk: Basic email/token:API_TOKEN; Freshdesk: Basic API_KEY:X). */
  readonly authorization: string;
}

/** Settings of the helpdesk integrations. An adapter without its secret is off (404). */
export interface HelpdeskConfig {
  readonly defaultPurpose: Purpose;
  readonly rules: readonly PurposeRule[];
  /** Where agents open a ticket: `<publicUrl>/tickets/<id>`. */
  readonly publicUrl: string;
  readonly zendesk?: { readonly secret: string; readonly api?: HelpdeskApi | undefined } | undefined;
  readonly freshdesk?: { readonly secret: string; readonly api?: HelpdeskApi | undefined } | undefined;
  readonly generic?: { readonly secret: string } | undefined;
  /** Accepted clock skew and replay window of signed deliveries, ms (default 5 minutes). */
  readonly toleranceMs: number;
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Reads the settings from `env`: KEYHOLE_HELPDESK_CONFIG (YAML file of the purpose mapping),
 *  KEYHOLE_ORIGIN (first origin = public URL), KEYHOLE_ZENDESK_SECRET (the webhook's signing
 *  secret), KEYHOLE_ZENDESK_URL + KEYHOLE_ZENDESK_EMAIL + KEYHOLE_ZENDESK_API_TOKEN (optional
 *  API access), KEYHOLE_FRESHDESK_SECRET (the password of the webhook's Basic authentication),
 *  KEYHOLE_FRESHDESK_URL + KEYHOLE_FRESHDESK_API_KEY, KEYHOLE_HELPDESK_WEBHOOK_SECRET (generic).
 *  @throws KeyholeError BAD_REQUEST when the file is unreadable or invalid. */
export function helpdeskConfigFromEnv(env: NodeJS.ProcessEnv): HelpdeskConfig {
  let file: z.infer<typeof File> = { defaultPurpose: 'general_inquiry', purposes: [] };
  const path = env.KEYHOLE_HELPDESK_CONFIG?.trim();
  if (path) {
    try {
      file = File.parse(parseYaml(readFileSync(path, 'utf8')) ?? {});
    } catch (cause) {
      throw new KeyholeError('BAD_REQUEST', `KEYHOLE_HELPDESK_CONFIG ${path} is not a valid helpdesk mapping.`, { cause });
    }
  }
  const zUrl = env.KEYHOLE_ZENDESK_URL?.trim();
  const fUrl = env.KEYHOLE_FRESHDESK_URL?.trim();
  return {
    defaultPurpose: file.defaultPurpose,
    rules: file.purposes,
    publicUrl: (env.KEYHOLE_ORIGIN || 'http://localhost:8080').split(',')[0]!.trim().replace(/\/+$/, ''),
    zendesk: env.KEYHOLE_ZENDESK_SECRET ? {
      secret: env.KEYHOLE_ZENDESK_SECRET,
      api: zUrl ? { baseUrl: zUrl.replace(/\/+$/, ''), authorization: basic(`${env.KEYHOLE_ZENDESK_EMAIL ?? ''}/token`, env.KEYHOLE_ZENDESK_API_TOKEN ?? '') } : undefined,
    } : undefined,
    freshdesk: env.KEYHOLE_FRESHDESK_SECRET ? {
      secret: env.KEYHOLE_FRESHDESK_SECRET,
      api: fUrl ? { baseUrl: fUrl.replace(/\/+$/, ''), authorization: basic(env.KEYHOLE_FRESHDESK_API_KEY ?? '', 'X') } : undefined,
    } : undefined,
    generic: env.KEYHOLE_HELPDESK_WEBHOOK_SECRET ? { secret: env.KEYHOLE_HELPDESK_WEBHOOK_SECRET } : undefined,
    toleranceMs: 5 * 60_000,
  };
}

/** The purpose of a helpdesk ticket with `tags` and custom `fields` (id → value as text). */
export function purposeFor(cfg: Pick<HelpdeskConfig, 'rules' | 'defaultPurpose'>, tags: readonly string[], fields: Readonly<Record<string, string>>): Purpose {
  const tagSet = new Set(tags.map((t) => t.toLowerCase()));
  for (const rule of cfg.rules) {
    if (rule.tags.some((t) => tagSet.has(t.toLowerCase()))) return rule.purpose;
    if (Object.entries(rule.fields).some(([id, v]) => fields[id] !== undefined && fields[id] === v)) return rule.purpose;
  }
  return cfg.defaultPurpose;
}
