// The evidence signing key: an Ed25519 key of the key provider separate from the checkpoint key
// (software providers derive it from the log's signing seed with HKDF-SHA-256, info
// "keyhole/evidence-key/v1"; the PKCS#11 provider holds its own key on the token), named
// `<log origin>/evidence`. So the checkpoint signer stays inside the integrator and an evidence
// signature can never be taken for a checkpoint. C2SP signed-note keys (src/shared/tlog/vkey.ts).
import { noteSignerFor } from '../audit/log-identity.js';
import { verifierKeyFor, type NoteSigner } from '../shared/tlog/vkey.js';
import type { KeyProvider } from '../vault/key-provider.js';
export { EVIDENCE_KEY_INFO } from '../vault/software-keys.js';

/** The evidence signer and its public verifier key `<name>+<hash>+<key>`. */
export interface EvidenceKey {
  readonly signer: NoteSigner;
  readonly verifierKey: string;
}

/** The evidence key of the log `origin` from the provider's evidence key.
 *  @throws KeyholeError KEY_UNAVAILABLE / HSM_* from the provider; CHECKPOINT_INVALID on a bad origin. */
export async function evidenceKey(keys: KeyProvider, origin: string): Promise<EvidenceKey> {
  const name = `${origin}/evidence`;
  const signer = noteSignerFor(name, await keys.signer('evidence'));
  return { signer, verifierKey: verifierKeyFor(name, signer.publicKey) };
}
