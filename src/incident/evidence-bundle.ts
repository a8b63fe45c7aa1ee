// Building the evidence bundle of an incident for law enforcement and regulators: the agents'
// full activity in the window and the incident's own records, exactly as logged, each with an
// inclusion proof in the latest signed checkpoint; the checkpoint of the opening and a
// consistency proof to the latest; the blast radius; who did what; all signed by the evidence
// key. With witnesses, the checkpoint is the newest one the log's witness quorum cosigned, with
// their cosignatures. `keyhole verify --bundle` checks it offline (bundle-verify.ts). RFC 9162, C2SP.
import { servedCheckpoint } from '../audit/served-checkpoint.js';
import { cosignatureVerifierKeyFor } from '../shared/tlog/cosignature.js';
import { NO_WITNESSES, type WitnessPolicy } from '../shared/tlog/witness-policy.js';
import { DbTileReader, MemoTileReader } from '../audit/tile-store.js';
import { KeyholeError } from '../shared/errors.js';
import { encodeBase64 } from '../shared/tlog/base64.js';
import { signNote } from '../shared/tlog/note.js';
import { proveConsistency, proveInclusion } from '../shared/tlog/proofs.js';
import { TileHashReader } from '../shared/tlog/tile-hash-reader.js';
import { computeBlastRadius } from './blast-radius.js';
import { bundleDigest, bundleFileText, signedText, type EvidenceBundle } from './bundle-format.js';
import type { EvidenceKey } from './evidence-key.js';
import { IncidentRecorder } from './incident-record.js';
import { incidentRecords, scopeRecords, type LoggedEntry } from './log-scope.js';
import { actorAgentId, type Actor, type Incident, type IncidentDeps } from './model.js';

/** What building a bundle needs besides the database: the log's origin, verifier key and
 *  witness policy (default none), and the evidence key. */
export interface EvidenceDeps extends IncidentDeps {
  readonly log: { readonly origin: string; readonly verifierKey: string; readonly witnesses?: WitnessPolicy | undefined };
  readonly evidence: EvidenceKey;
}

/** A built bundle: the file text (canonical JSON), the detached signature note, the bundle. */
export interface BuiltBundle {
  readonly text: string;
  readonly signature: string;
  readonly bundle: EvidenceBundle;
}

/** Builds, signs and records (`evidence_export`) the bundle of `incident` over the latest
 *  signed checkpoint that the log's witness quorum cosigned (the latest one without witnesses),
 *  whose note carries the cosignatures. Records not yet sequenced are not in it: integrate first.
 *  @throws KeyholeError CONFLICT when the log has no such checkpoint yet, or the incident's
 *  opening is not yet in it (the witnesses have not cosigned it: retry shortly). */
export async function buildEvidenceBundle(deps: EvidenceDeps, actor: Actor, incident: Incident): Promise<BuiltBundle> {
  const policy = deps.log.witnesses ?? NO_WITNESSES;
  const cp = await servedCheckpoint(deps.db as never, policy);
  if (cp === undefined) throw new KeyholeError('CONFLICT', policy.quorum > 0 ? 'No checkpoint of the log is cosigned by its witnesses yet; retry shortly.' : 'The log has not signed a checkpoint yet.');
  const now = deps.clock.now();
  const blast = await computeBlastRadius(deps.db, incident, now, cp);
  const records = await bundleRecords(deps, incident, cp.size);
  if (policy.quorum > 0 && !records.some((r) => r.record.action === 'incident_open' && r.record.details?.incidentId === incident.id)) {
    throw new KeyholeError('CONFLICT', 'The incident\'s opening is not yet in a checkpoint cosigned by the log\'s witnesses; retry shortly.');
  }
  const reader = new TileHashReader({ size: cp.size, rootHash: cp.rootHash }, new MemoTileReader(new DbTileReader(deps.db)));
  const entries = [];
  for (const r of records) {
    entries.push({ seq: r.seq, entry: r.entry, proof: (await proveInclusion(r.seq, cp.size, reader)).map(encodeBase64) });
  }
  const opened = incident.logCheckpoint !== null && incident.logSize > 0 && incident.logSize < cp.size;
  const actions = await deps.db.selectFrom('incident_actions').select(['action', 'actor', 'at', 'details']).where('incident_id', '=', incident.id).orderBy('id').execute();
  const bundle: EvidenceBundle = {
    incident: {
      id: incident.id, title: incident.title, reason: incident.reason, source: incident.source, status: incident.status, openedAt: incident.openedAt.toISOString(),
      openedBy: incident.openedBy, containmentId: incident.containmentId,
      scope: { agentIds: [...incident.scope.agentIds], vendor: incident.scope.vendor, since: incident.scope.since?.toISOString() ?? null, until: incident.scope.until.toISOString() },
    },
    createdAt: now.toISOString(), createdBy: actorAgentId(actor), evidenceKey: deps.evidence.verifierKey,
    log: {
      origin: deps.log.origin, verifierKey: deps.log.verifierKey,
      checkpoints: opened ? [incident.logCheckpoint!, cp.note] : [cp.note],
      consistency: opened ? [{ from: incident.logSize, to: cp.size, proof: (await proveConsistency(incident.logSize, cp.size, reader)).map(encodeBase64) }] : [],
      ...(policy.witnesses.length > 0 ? { witnesses: { quorum: policy.quorum, keys: policy.witnesses.map((w) => cosignatureVerifierKeyFor(w.name, w.publicKey)) } } : {}),
    },
    entries,
    blastRadius: { customers: blast.customers.map((c) => ({ ...c, fields: c.fields.map((f) => ({ ...f, seqs: [...f.seqs] })), seqs: [...c.seqs], agents: [...c.agents] })), totals: { ...blast.totals } },
    actions: actions.map((a) => ({ action: a.action, actor: a.actor, at: a.at.toISOString(), details: (typeof a.details === 'string' ? JSON.parse(a.details) : a.details) as Record<string, unknown> })),
  };
  const signature = signNote(signedText(bundle), [deps.evidence.signer]);
  await recordExport(deps, actor, incident, bundle, cp.size);
  return { text: bundleFileText(bundle, signature), signature, bundle };
}

/** The agents' records in scope and the incident's own records, by seq, each once. */
async function bundleRecords(deps: IncidentDeps, incident: Incident, size: number): Promise<LoggedEntry[]> {
  const bySeq = new Map<number, LoggedEntry>();
  for await (const page of scopeRecords(deps.db, incident, size)) for (const r of page) bySeq.set(r.seq, r);
  for (const r of await incidentRecords(deps.db, incident, size)) bySeq.set(r.seq, r);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

async function recordExport(deps: IncidentDeps, actor: Actor, incident: Incident, bundle: EvidenceBundle, size: number): Promise<void> {
  const recorder = new IncidentRecorder(deps, actor);
  await deps.db.transaction().execute((trx) => recorder.record(trx, {
    action: 'evidence_export', incidentId: incident.id,
    details: { kind: 'bundle', treeSize: size, entries: bundle.entries.length, sha256: encodeBase64(bundleDigest(bundle)) },
  }));
  recorder.publish();
}
