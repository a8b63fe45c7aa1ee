// The single place Keyhole asks Cedar for a decision, and the fail-closed reading of its answer:
// anything but a well-formed `allow` with no evaluation errors is a deny.
// Cedar wasm API: statefulIsAuthorized (node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm.d.ts).
import { statefulIsAuthorized, type Context, type EntityJson, type TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';

/** One Cedar request: principal, action id (in the `Keyhole::Action` namespace), resource,
 *  context and the entities the policies may read. */
export interface CedarRequest {
  readonly principal: TypeAndId;
  readonly action: string;
  readonly resource: TypeAndId;
  readonly context: Context;
  readonly entities: readonly EntityJson[];
}

/** Cedar's answer, normalised: `allowed` only for a `success`/`allow` with no errors;
 *  `reasons` are the determining policy ids (permits on allow, forbids on deny). */
export interface Verdict {
  readonly allowed: boolean;
  readonly reasons: readonly string[];
  readonly errors: readonly string[];
}

/** Where the preparsed policy set and schema live in cedar-wasm's cache. */
export interface PreparsedIds {
  readonly policySetId: string;
  readonly schemaName: string;
}

/** Asks Cedar about `req` against the preparsed policies (validating the request and entities
 *  against the preparsed schema). Never throws: a thrown wasm error is a deny with that error. */
export function authorize(ids: PreparsedIds, req: CedarRequest): Verdict {
  try {
    return readAnswer(statefulIsAuthorized({
      principal: req.principal,
      action: { type: 'Keyhole::Action', id: req.action },
      resource: req.resource,
      context: req.context,
      entities: req.entities as EntityJson[],
      preparsedPolicySetId: ids.policySetId,
      preparsedSchemaName: ids.schemaName,
      validateRequest: true,
    }));
  } catch (e) {
    return deny([`cedar threw: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/** Reads an AuthorizationAnswer defensively (it crosses the wasm boundary as untyped JSON).
 *  `failure` → deny with its messages; `success` with any diagnostics error → deny with
 *  `<policyId>: <message>`; a shape other than the documented one → deny. */
export function readAnswer(answer: unknown): Verdict {
  if (!isRecord(answer)) return deny(['unexpected cedar answer']);
  if (answer.type === 'failure') {
    const errs = Array.isArray(answer.errors) ? answer.errors.map(messageOf) : [];
    return deny(errs.length > 0 ? errs : ['cedar failure without errors']);
  }
  if (answer.type !== 'success' || !isRecord(answer.response)) return deny(['unexpected cedar answer']);
  const { decision, diagnostics } = answer.response;
  if (!isRecord(diagnostics) || !Array.isArray(diagnostics.reason) || !Array.isArray(diagnostics.errors)) {
    return deny(['unexpected cedar diagnostics']);
  }
  if (!diagnostics.reason.every((r): r is string => typeof r === 'string')) return deny(['unexpected cedar reasons']);
  const reasons = [...diagnostics.reason].sort();
  const errors = diagnostics.errors.map((e) => (isRecord(e) ? `${String(e.policyId)}: ${messageOf(e.error)}` : 'unexpected cedar error'));
  if (errors.length > 0) return { allowed: false, reasons, errors };
  if (decision !== 'allow' && decision !== 'deny') return deny(['unexpected cedar decision']);
  return { allowed: decision === 'allow', reasons, errors: [] };
}

function deny(errors: readonly string[]): Verdict {
  return { allowed: false, reasons: [], errors };
}

function messageOf(e: unknown): string {
  if (!isRecord(e) || typeof e.message !== 'string') return 'unexpected cedar error';
  return typeof e.help === 'string' && e.help !== '' ? `${e.message} (${e.help})` : e.message;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
