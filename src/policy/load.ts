// Loading the policy directory at start-up: one `*.cedarschema` and the `*.cedar` files, each
// policy named by its `@id("…")`, validated together in Cedar's STRICT mode, then preparsed into
// cedar-wasm's cache. Any problem throws POLICY_INVALID with Cedar's own messages.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  policySetTextToParts, policyToJson, preparsePolicySet, preparseSchema, schemaToJson, validate,
  type DetailedError, type ValidationError,
} from '@cedar-policy/cedar-wasm/nodejs';
import { PURPOSES } from '../fields/catalog-types.js';
import { KeyholeError } from '../shared/errors.js';
import type { PreparsedIds } from './cedar-call.js';
import type { StaffRole } from './types.js';

/** A loaded policy directory: where cedar-wasm cached it and the ids of its policies. */
export interface LoadedPolicies extends PreparsedIds {
  readonly policyIds: readonly string[];
}

/** Where one policy came from, for error messages. */
interface Source {
  readonly file: string;
  readonly fileText: string;
  /** The policy's own text and its offset within the file. */
  readonly text: string;
  readonly offset: number;
}

const ROLES = ['agent', 'supervisor', 'security'] as const satisfies readonly StaffRole[];
let loads = 0;

/** Reads, validates (strict) and preparses the policies in `dir`.
 *  @throws KeyholeError POLICY_INVALID when the directory does not hold exactly one schema and at
 *  least one policy file, a file does not parse, a policy lacks a unique `@id`, the schema's
 *  `Purpose`/`Role` enums differ from PURPOSES/roles, or strict validation reports any error or
 *  warning; the message is Cedar's (`file:line:col: message (help)`), `details.errors` lists all. */
export function loadPolicies(dir: string): LoadedPolicies {
  const names = listDir(dir);
  const schemaFiles = names.filter((n) => n.endsWith('.cedarschema'));
  const policyFiles = names.filter((n) => n.endsWith('.cedar'));
  if (schemaFiles.length !== 1) invalid([`${dir}: expected exactly one *.cedarschema file, found ${schemaFiles.length}`]);
  if (policyFiles.length === 0) invalid([`${dir}: no *.cedar policy files`]);
  const schemaFile = schemaFiles[0] as string;
  const schema = readFileSync(path.join(dir, schemaFile), 'utf8');
  checkSchema(schemaFile, schema);
  const sources = new Map<string, Source>();
  for (const file of policyFiles) readPolicies(file, readFileSync(path.join(dir, file), 'utf8'), sources);
  const staticPolicies = Object.fromEntries([...sources].map(([id, s]) => [id, s.text]));
  const answer = validate({ schema, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
  if (answer.type === 'failure') invalid(answer.errors.map((e) => format(schemaFile, schema, 0, e)));
  const problems = [...answer.validationErrors, ...answer.validationWarnings].map((v) => formatValidation(v, sources));
  problems.push(...answer.otherWarnings.map((e) => format('policies', '', 0, e)));
  if (problems.length > 0) invalid(problems);
  loads += 1;
  const ids = { policySetId: `keyhole-policies-${loads}`, schemaName: `keyhole-schema-${loads}` };
  const s = preparseSchema(ids.schemaName, schema);
  if (s.type === 'failure') invalid(s.errors.map((e) => format(schemaFile, schema, 0, e)));
  const p = preparsePolicySet(ids.policySetId, { staticPolicies });
  if (p.type === 'failure') invalid(p.errors.map((e) => format('policies', '', 0, e)));
  return { ...ids, policyIds: [...sources.keys()].sort() };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    return invalid([`${dir}: cannot read the policy directory (${e instanceof Error ? e.message : String(e)})`]);
  }
}

/** The schema parses and its enums match the TypeScript unions the broker passes. */
function checkSchema(file: string, schema: string): void {
  const json = schemaToJson(schema);
  if (json.type === 'failure') invalid(json.errors.map((e) => format(file, schema, 0, e)));
  const types = json.json.Keyhole?.entityTypes;
  const enumOf = (name: string): unknown => (types?.[name] as { enum?: unknown } | undefined)?.enum;
  const same = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && b.every((x) => a.includes(x));
  if (!same(enumOf('Purpose'), PURPOSES)) invalid([`${file}: Keyhole::Purpose must enumerate exactly ${PURPOSES.join(', ')}`]);
  if (!same(enumOf('Role'), ROLES)) invalid([`${file}: Keyhole::Role must enumerate exactly ${ROLES.join(', ')}`]);
}

/** Splits one file into policies keyed by their `@id`. */
function readPolicies(file: string, text: string, into: Map<string, Source>): void {
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') invalid(parts.errors.map((e) => format(file, text, 0, e)));
  if (parts.policy_templates.length > 0) invalid([`${file}: templates are not supported`]);
  let from = 0;
  for (const policy of parts.policies) {
    const offset = Math.max(0, text.indexOf(policy, from));
    from = offset + policy.length;
    const json = policyToJson(policy);
    if (json.type === 'failure') invalid(json.errors.map((e) => format(file, text, offset, e)));
    const id = json.json.annotations?.id;
    const where = `${file}:${lineCol(text, offset)}`;
    if (id === undefined || id === '') invalid([`${where}: every policy needs an @id("…") annotation`]);
    if (into.has(id)) invalid([`${where}: duplicate policy @id("${id}") (also in ${into.get(id)?.file})`]);
    into.set(id, { file, fileText: text, text: policy, offset });
  }
}

function formatValidation(v: ValidationError, sources: ReadonlyMap<string, Source>): string {
  const s = sources.get(v.policyId);
  return s ? format(s.file, s.fileText, s.offset, v.error, v.policyId) : format('policies', '', 0, v.error, v.policyId);
}

/** `file:line:col: [policy] message (help)` for a Cedar DetailedError whose source locations
 *  are relative to offset `base` of `text` (the file's text; '' when there is none). */
function format(file: string, text: string, base: number, e: DetailedError, policyId?: string): string {
  const at = e.sourceLocations?.[0]?.start;
  const where = at === undefined || text === '' ? file : `${file}:${lineCol(text, base + at)}`;
  const help = e.help ? ` (${e.help})` : '';
  return `${where}: ${policyId ? `[${policyId}] ` : ''}${e.message}${help}`;
}

/** 1-based `line:column` of offset `at` in `text`. */
function lineCol(text: string, at: number): string {
  const before = text.slice(0, at);
  return `${before.split('\n').length}:${at - before.lastIndexOf('\n')}`;
}

function invalid(errors: readonly string[]): never {
  throw new KeyholeError('POLICY_INVALID', errors.join('; '), { details: { errors } });
}
