// The evidence bundle format, keyhole-evidence/v1: one JSON document in RFC 8785 canonical form,
// `{"bundle": {…}, "format": "keyhole-evidence/v1", "signature": "<signed note>"}`. The signature
// is a detached C2SP signed note, by the evidence key, over the text
// `keyhole-evidence/v1\nincident <id>\nsha256 <base64 SHA-256 of the canonical bundle>\n`.
// Browser-safe (shared code, zod, canonicalize); docs/design/incident.md "Evidence".
import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { encodeBase64 } from '../shared/tlog/base64.js';

/** The format name: the `format` member and the first line of the signed text. */
export const BUNDLE_FORMAT = 'keyhole-evidence/v1';

const FieldSchema = z.strictObject({
  field: z.string(), level: z.enum(['hidden', 'verify_only', 'masked', 'banded', 'revealed']), count: z.number().int(),
  firstAt: z.string(), lastAt: z.string(), seqs: z.array(z.number().int()),
});

/** An affected customer as the bundle carries it. */
export const BundleCustomerSchema = z.strictObject({
  customerId: z.string(), accountId: z.string(), jurisdiction: z.string(), tier: z.string(), highBalance: z.boolean(),
  erasedAt: z.string().nullable().optional(),
  fields: z.array(FieldSchema), seqs: z.array(z.number().int()), firstAt: z.string(), lastAt: z.string(), agents: z.array(z.string()),
});

/** The bundle (everything the signature covers). Entries are the audit records (their exact
 *  leaf data, RFC 8785 JSON) with inclusion proofs in the last checkpoint; `checkpoints` are
 *  signed notes by increasing size, with a consistency proof between each neighbour; the last
 *  one carries the witnesses' cosignature lines (C2SP tlog-cosignature) when the log has any. */
export const BundleSchema = z.strictObject({
  incident: z.strictObject({
    id: z.string(), title: z.string(), reason: z.string(), source: z.string(), status: z.string(), openedAt: z.string(),
    openedBy: z.string().nullable(), containmentId: z.string().nullable(),
    scope: z.strictObject({ agentIds: z.array(z.string()), vendor: z.string().nullable(), since: z.string().nullable(), until: z.string() }),
  }),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  evidenceKey: z.string(),
  log: z.strictObject({
    origin: z.string(), verifierKey: z.string(), checkpoints: z.array(z.string()).min(1),
    consistency: z.array(z.strictObject({ from: z.number().int(), to: z.number().int(), proof: z.array(z.string()) })),
    /** The log's witness policy at export (cosignature/v1 keys and quorum); the last checkpoint
     *  carries their cosignatures. Absent in bundles of a log without witnesses. */
    witnesses: z.strictObject({ quorum: z.number().int().min(0), keys: z.array(z.string()).max(64) }).optional(),
  }),
  entries: z.array(z.strictObject({ seq: z.number().int(), entry: z.string(), proof: z.array(z.string()) })),
  blastRadius: z.strictObject({ customers: z.array(BundleCustomerSchema), totals: z.record(z.string(), z.unknown()) }),
  actions: z.array(z.strictObject({ action: z.string(), actor: z.string().nullable(), at: z.string(), details: z.record(z.string(), z.unknown()) })),
});

/** A bundle. */
export type EvidenceBundle = z.infer<typeof BundleSchema>;

/** The file: the bundle, the format, the signature note. */
export const BundleFileSchema = z.strictObject({ bundle: BundleSchema, format: z.literal(BUNDLE_FORMAT), signature: z.string().max(8192) });

/** SHA-256 of the bundle's RFC 8785 canonical UTF-8 encoding (32 bytes).
 *  @throws TypeError when the bundle holds a value JSON cannot represent. */
export function bundleDigest(bundle: EvidenceBundle): Uint8Array {
  const text = canonicalize(bundle);
  if (text === undefined) throw new TypeError('bundle is not serializable');
  return sha256(new TextEncoder().encode(text));
}

/** The text the evidence key signs for `bundle`. */
export function signedText(bundle: EvidenceBundle): string {
  return `${BUNDLE_FORMAT}\nincident ${bundle.incident.id}\nsha256 ${encodeBase64(bundleDigest(bundle))}\n`;
}

/** The file text of a signed bundle: canonical JSON, no trailing newline. */
export function bundleFileText(bundle: EvidenceBundle, signature: string): string {
  const text = canonicalize({ bundle, format: BUNDLE_FORMAT, signature });
  if (text === undefined) throw new TypeError('bundle is not serializable');
  return text;
}
