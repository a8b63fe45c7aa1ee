// The identity mapping: how the identity provider's groups (SCIM group memberships, the OIDC
// groups claim) and claims become Keyhole's role, team, vendor and regions, whether someone
// must be in a "Keyhole" group to have access at all, and whether OIDC may create staff just
// in time. A JSON or YAML file named by KEYHOLE_IDENTITY_MAPPING; a file that does not parse or
// does not match the schema stops start-up with the line of the problem. docs/identity.md.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { KeyholeError } from '../shared/errors.js';

const Role = z.enum(['agent', 'supervisor', 'security']);
const Region = z.string().regex(/^[A-Z]{2}$/, 'a region is an ISO 3166 alpha-2 code such as GB');
const Label = z.string().trim().min(1).max(100);

const Assignment = z.strictObject({
  role: Role.optional(), team: Label.optional(), vendor: Label.optional(), regions: z.array(Region).max(300).optional(),
});

/** The mapping file's schema. */
export const MappingSchema = z.strictObject({
  /** The provider's name on the sign-in button ("Sign in with Okta"). */
  provider: z.string().trim().min(1).max(60).default('single sign-on'),
  /** The ID token / userinfo claim holding group names. */
  groupsClaim: z.string().min(1).max(200).default('groups'),
  /** When set, only members of this group have access: leaving it suspends the agent. */
  requiredGroup: Label.optional(),
  /** Whether an OIDC sign-in of someone not provisioned creates the agent (default false). */
  allowJit: z.boolean().default(false),
  /** Whether each OIDC sign-in updates role, team, vendor and regions from the claims of staff
   *  the provider does not manage over SCIM (default false: their attributes stay as set). */
  syncAtSignIn: z.boolean().default(false),
  /** Values before any group applies. */
  defaults: z.strictObject({ role: Role.default('agent'), team: Label.default('unassigned'), vendor: Label.default('unassigned'), regions: z.array(Region).default([]) }).prefault({}),
  /** Group name → what membership gives, in precedence order: the first group that sets role,
   *  team or vendor wins; the regions of every matching group are joined. */
  groups: z.record(z.string().min(1).max(200), Assignment).default({}),
  /** Claims (OIDC) that set team, vendor or regions directly (after groups). */
  claims: z.strictObject({ team: z.string().optional(), vendor: z.string().optional(), regions: z.string().optional() }).prefault({}),
});

/** A loaded mapping. */
export type IdentityMapping = z.infer<typeof MappingSchema>;

/** The mapping used when no file is configured: everyone is an agent of team and vendor
 *  "unassigned" with no regions (sees no customers) until the security team changes it. */
export const DEFAULT_MAPPING: IdentityMapping = MappingSchema.parse({});

/** What an identity maps to. */
export interface MappedAttributes {
  readonly role: 'agent' | 'supervisor' | 'security';
  readonly team: string;
  readonly vendor: string;
  readonly regions: readonly string[];
  /** False when `requiredGroup` is set and the identity is not in it. */
  readonly entitled: boolean;
}

/** Applies `mapping` to an identity with `groups` (names) and `claims` (OIDC only). */
export function mapIdentity(mapping: IdentityMapping, groups: readonly string[], claims: Readonly<Record<string, unknown>> = {}): MappedAttributes {
  const member = new Set(groups.map((g) => g.toLowerCase()));
  let role: MappedAttributes['role'] | undefined;
  let team: string | undefined;
  let vendor: string | undefined;
  let regions: string[] | undefined;
  for (const [name, a] of Object.entries(mapping.groups)) {
    if (!member.has(name.toLowerCase())) continue;
    role ??= a.role;
    team ??= a.team;
    vendor ??= a.vendor;
    if (a.regions) regions = [...new Set([...(regions ?? []), ...a.regions])];
  }
  const claim = (k: string | undefined) => (k === undefined ? undefined : claims[k]);
  const t = claim(mapping.claims.team);
  const v = claim(mapping.claims.vendor);
  const r = claim(mapping.claims.regions);
  if (typeof t === 'string' && t.trim()) team = t.trim().slice(0, 100);
  if (typeof v === 'string' && v.trim()) vendor = v.trim().slice(0, 100);
  const claimRegions = (Array.isArray(r) ? r : typeof r === 'string' ? r.split(',') : []).map((x) => String(x).trim().toUpperCase()).filter((x) => /^[A-Z]{2}$/.test(x));
  if (claimRegions.length > 0) regions = [...new Set(claimRegions)];
  return {
    role: role ?? mapping.defaults.role, team: team ?? mapping.defaults.team, vendor: vendor ?? mapping.defaults.vendor,
    regions: [...(regions ?? mapping.defaults.regions)].sort(),
    entitled: mapping.requiredGroup === undefined || member.has(mapping.requiredGroup.toLowerCase()),
  };
}

/** Parses mapping `text` (JSON or YAML; `source` names it in errors).
 *  @throws KeyholeError IDENTITY_MAPPING_INVALID naming the line of the problem. */
export function parseMapping(text: string, source = 'identity mapping'): IdentityMapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new KeyholeError('IDENTITY_MAPPING_INVALID', `${source}, line ${line}: ${first.message.split('\n')[0]}`);
  }
  const parsed = MappingSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // The deepest node of the document on the issue's path gives its line.
  let node: unknown = doc.contents;
  let at = 1;
  for (const key of issue.path) {
    const range = (node as Node | undefined)?.range;
    if (range) at = lines.linePos(range[0]).line;
    if (isMap(node)) node = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)?.value ?? undefined;
    else if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else break;
  }
  const range = (node as Node | undefined)?.range;
  if (range) at = lines.linePos(range[0]).line;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'top level';
  throw new KeyholeError('IDENTITY_MAPPING_INVALID', `${source}, line ${at}: ${where}: ${issue.message}`);
}

/** The mapping of KEYHOLE_IDENTITY_MAPPING (a file path), or DEFAULT_MAPPING when unset.
 *  @throws KeyholeError IDENTITY_MAPPING_INVALID when the file cannot be read or is invalid. */
export function mappingFromEnv(env: Readonly<Record<string, string | undefined>>): IdentityMapping {
  const file = env.KEYHOLE_IDENTITY_MAPPING?.trim();
  if (!file) return DEFAULT_MAPPING;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KeyholeError('IDENTITY_MAPPING_INVALID', `KEYHOLE_IDENTITY_MAPPING: cannot read ${file}.`, { cause });
  }
  return parseMapping(text, file);
}
