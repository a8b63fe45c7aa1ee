// The evidence signing key: an Ed25519 key derived from the log's signing seed with HKDF-SHA-256
// (RFC 5869, info "keyhole/evidence-key/v1"), named `<log origin>/evidence`. Separate from the
// checkpoint key, so the checkpoint signer stays inside the integrator and an evidence signature
// can never be taken for a checkpoint. C2SP signed-note keys (src/shared/tlog/vkey.ts).
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { signerFromSeed, verifierKeyFor, type NoteSigner } from '../shared/tlog/vkey.js';
import type { KeyProvider } from '../vault/key-provider.js';

/** The HKDF info string of the derivation. */
export const EVIDENCE_KEY_INFO = 'keyhole/evidence-key/v1';

/** The evidence signer and its public verifier key `<name>+<hash>+<key>`. */
export interface EvidenceKey {
  readonly signer: NoteSigner;
  readonly verifierKey: string;
}

/** The evidence key of the log `origin` from `keys.logSigningSeed()`.
 *  @throws KeyholeError KEY_UNAVAILABLE from the provider; CHECKPOINT_INVALID on a bad origin. */
export async function evidenceKey(keys: KeyProvider, origin: string): Promise<EvidenceKey> {
  const seed = hkdf(sha256, await keys.logSigningSeed(), undefined, new TextEncoder().encode(EVIDENCE_KEY_INFO), 32);
  const name = `${origin}/evidence`;
  const signer = signerFromSeed(name, seed);
  seed.fill(0);
  return { signer, verifierKey: verifierKeyFor(name, signer.publicKey) };
}
