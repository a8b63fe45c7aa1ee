// The per-field levels of one view. The purpose table proposes a level per field (the default,
// or the ceiling for a field under a live grant); Cedar confirms the whole proposal in ONE call
// and, only when a forbid denies it, the fields are probed down one level at a time.
// DESIGN.md "Ticket purposes"; docs/design/policy.md "One decision per view".
import type { Context } from '@cedar-policy/cedar-wasm/nodejs';
import { effectiveLevel } from '../fields/catalog.js';
import { FIELD_NAMES, type FieldName, type Purpose } from '../fields/catalog-types.js';
import { LEVELS, levelRank, type Level } from '../fields/levels.js';
import { purposeRule } from '../fields/purposes.js';
import type { Verdict } from './cedar-call.js';
import type { FieldDecision, ViewDecision } from './types.js';

/** A level for every field. */
export type LevelMap = Readonly<Record<FieldName, Level>>;

/** Asks Cedar whether the view may disclose exactly `levels` (fields at `hidden` disclose nothing). */
export type AskView = (levels: LevelMap) => Verdict;

const ALL_HIDDEN: LevelMap = Object.freeze(Object.fromEntries(FIELD_NAMES.map((f) => [f, 'hidden'])) as Record<FieldName, Level>);

/** What the purpose table offers: each field's default, or its ceiling when it has a live grant.
 *  Never above the ceiling; above the default only for a granted field. */
export function proposeLevels(purpose: Purpose, granted: ReadonlySet<FieldName>): LevelMap {
  const out = {} as Record<FieldName, Level>;
  for (const f of FIELD_NAMES) {
    const r = purposeRule(purpose, f);
    out[f] = granted.has(f) ? r.ceiling : r.default;
  }
  return out;
}

/** The Cedar `Disclosure` context of `levels`: the fields per level, the highest rank, and the
 *  purpose-table facts (above default, above ceiling) computed from the levels themselves, so
 *  `levels.within-purpose-table` checks the proposal independently of how it was built. */
export function disclosureContext(purpose: Purpose, levels: LevelMap, granted: ReadonlySet<FieldName>): Context {
  const byLevel: Record<Level, FieldName[]> = { hidden: [], verify_only: [], masked: [], banded: [], revealed: [] };
  const overDefault: FieldName[] = [];
  const overCeiling: FieldName[] = [];
  let maxRank = 0;
  for (const f of FIELD_NAMES) {
    const level = levels[f];
    if (level === 'hidden') continue;
    byLevel[level].push(f);
    const rank = levelRank(level);
    const rule = purposeRule(purpose, f);
    if (rank > maxRank) maxRank = rank;
    if (rank > levelRank(rule.default)) overDefault.push(f);
    if (rank > levelRank(rule.ceiling)) overCeiling.push(f);
  }
  return {
    verifyOnly: byLevel.verify_only, masked: byLevel.masked, banded: byLevel.banded, revealed: byLevel.revealed,
    maxRank, granted: [...granted], overDefault, overCeiling,
  };
}

/** Decides a view: one Cedar call for the table's proposal; on a deny, one call to tell a gate
 *  deny (nothing may be shown) from a level deny, then probes to lower only the fields a forbid
 *  names, and a final call confirming the lowered set. Any Cedar error denies the whole view. */
export function resolveView(ask: AskView, proposed: LevelMap): ViewDecision {
  const first = ask(proposed);
  if (first.errors.length > 0) return denied([], first.errors);
  if (first.allowed) return decided(first.reasons, proposed, first.reasons, new Map());
  const gate = ask(ALL_HIDDEN);
  if (gate.errors.length > 0 || !gate.allowed) return denied(gate.reasons, gate.errors);
  const lowered = lowerDenied(ask, proposed);
  if ('errors' in lowered) return denied([], lowered.errors);
  const final = ask(lowered.levels);
  if (final.errors.length > 0) return denied([], final.errors);
  if (!final.allowed) return decided(gate.reasons, ALL_HIDDEN, [], new Map(FIELD_NAMES.map((f) => [f, final.reasons])));
  return decided(final.reasons, lowered.levels, final.reasons, lowered.forbids);
}

type Lowered = { levels: LevelMap; forbids: Map<FieldName, readonly string[]> } | { errors: readonly string[] };

/** Lowers only what the forbids demand. Each level group of `proposed` is probed alone; in a
 *  denied group each field is probed alone, and the denied ones step down together — one level,
 *  skipping levels the field's catalog entry cannot render — first as one probe (a forbid on a
 *  whole level is then settled in one call), then alone again if that is denied, until Cedar
 *  allows them or they are hidden. Records, per field, the forbids that denied it alone. */
function lowerDenied(ask: AskView, proposed: LevelMap): Lowered {
  const levels = { ...proposed };
  const forbids = new Map<FieldName, Set<string>>();
  for (const level of [...LEVELS].reverse().filter((l) => l !== 'hidden')) {
    const group = FIELD_NAMES.filter((f) => proposed[f] === level);
    if (group.length === 0) continue;
    const probe = ask(only(group.map((f) => [f, level])));
    if (probe.errors.length > 0) return { errors: probe.errors };
    if (probe.allowed) continue;
    let pending = new Map<FieldName, Level>(group.map((f) => [f, level]));
    while (pending.size > 0) {
      const denied = new Map<FieldName, Level>();
      for (const [f, at] of pending) {
        const v = ask(only([[f, at]]));
        if (v.errors.length > 0) return { errors: v.errors };
        if (v.allowed) continue;
        v.reasons.forEach((r) => setOf(forbids, f).add(r));
        const lower = effectiveLevel(f, LEVELS[levelRank(at) - 1] as Level);
        levels[f] = lower;
        if (lower !== 'hidden') denied.set(f, lower);
      }
      if (denied.size === 0) break;
      const together = ask(only([...denied]));
      if (together.errors.length > 0) return { errors: together.errors };
      pending = together.allowed ? new Map() : denied;
    }
  }
  return { levels, forbids: new Map([...forbids].map(([f, ids]) => [f, [...ids]])) };
}

function setOf(m: Map<FieldName, Set<string>>, f: FieldName): Set<string> {
  const s = m.get(f) ?? new Set<string>();
  m.set(f, s);
  return s;
}

/** Only the given fields disclosed, at the given levels. */
function only(shown: Iterable<readonly [FieldName, Level]>): LevelMap {
  const m = { ...ALL_HIDDEN };
  for (const [f, l] of shown) m[f] = l;
  return m;
}

/** An allowed view: shown fields carry `permits` plus the forbids that lowered them. */
function decided(policyIds: readonly string[], levels: LevelMap, permits: readonly string[], forbids: ReadonlyMap<FieldName, readonly string[]>): ViewDecision {
  const fields = {} as Record<FieldName, FieldDecision>;
  for (const f of FIELD_NAMES) {
    const ids = [...new Set([...(levels[f] === 'hidden' ? [] : permits), ...(forbids.get(f) ?? [])])].sort();
    fields[f] = Object.freeze({ level: levels[f], policyIds: ids });
  }
  return Object.freeze({ allowed: true, policyIds, fields: Object.freeze(fields), errors: [] });
}

/** A denied view: every field hidden. */
export function denied(policyIds: readonly string[], errors: readonly string[]): ViewDecision {
  const fields = {} as Record<FieldName, FieldDecision>;
  for (const f of FIELD_NAMES) fields[f] = Object.freeze({ level: 'hidden', policyIds: [] });
  return Object.freeze({ allowed: false, policyIds, fields: Object.freeze(fields), errors });
}
