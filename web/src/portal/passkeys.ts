// Passkeys in the customer's browser (WebAuthn through @simplewebauthn/browser): register one
// while signed in, sign in with a discoverable one, and answer a consent challenge — every
// ceremony requires user verification (the server's options say so and its check enforces it).
import { browserSupportsWebAuthn, startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import { ApiError } from '../api/client';
import { portalApi } from './api';

type RegistrationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];
type AuthenticationOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

/** True when this browser can use passkeys at all. */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/** Turns a WebAuthn failure (cancelled prompt, no matching passkey, unsupported browser) into
 *  an ApiError with a sentence the customer can act on; ApiErrors pass through. */
export function passkeyError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof WebAuthnError) {
    if (e.code === 'ERROR_CEREMONY_ABORTED' || e.name === 'NotAllowedError') {
      return new ApiError(0, 'PASSKEY_CANCELLED', 'The passkey prompt was cancelled or timed out. Try again and confirm with your fingerprint, face or device PIN.');
    }
    if (e.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return new ApiError(0, 'PASSKEY_EXISTS', 'This device already holds a passkey for your account.');
    return new ApiError(0, 'PASSKEY_FAILED', e.message);
  }
  if (e instanceof Error && e.name === 'NotAllowedError') {
    return new ApiError(0, 'PASSKEY_CANCELLED', 'The passkey prompt was cancelled or timed out. Try again and confirm with your fingerprint, face or device PIN.');
  }
  return new ApiError(0, 'PASSKEY_FAILED', e instanceof Error ? e.message : String(e));
}

/** Registers a new passkey for the signed-in customer. Resolves to its credential id.
 *  @throws ApiError (see passkeyError). */
export async function registerPasskey(): Promise<string> {
  try {
    const optionsJSON = (await portalApi.registerOptions()) as RegistrationOptions;
    const attestation = await startRegistration({ optionsJSON });
    return (await portalApi.registerVerify(attestation)).credentialId;
  } catch (e) {
    throw passkeyError(e);
  }
}

/** Signs in with a discoverable passkey; the server sets the session cookie.
 *  @throws ApiError (see passkeyError). */
export async function signInWithPasskey(): Promise<void> {
  try {
    const optionsJSON = (await portalApi.loginOptions()) as AuthenticationOptions;
    const assertion = await startAuthentication({ optionsJSON });
    await portalApi.loginVerify(assertion);
  } catch (e) {
    throw passkeyError(e);
  }
}

/** Approves reveal request `requestId` for `durationMinutes` (1–60) with a fresh assertion on
 *  the challenge bound to that request. @throws ApiError (see passkeyError). */
export async function approveWithPasskey(requestId: string, durationMinutes: number): Promise<void> {
  try {
    const optionsJSON = (await portalApi.consentOptions(requestId)) as AuthenticationOptions;
    const assertion = await startAuthentication({ optionsJSON });
    await portalApi.approve(requestId, assertion, durationMinutes);
  } catch (e) {
    throw passkeyError(e);
  }
}

/** Lifts the privacy lock with a fresh assertion on a challenge bound to lifting it (the
 *  server requires one when the customer has a passkey). @throws ApiError (see passkeyError). */
export async function unlockWithPasskey(): Promise<void> {
  try {
    const optionsJSON = (await portalApi.unlockOptions()) as AuthenticationOptions;
    const assertion = await startAuthentication({ optionsJSON });
    await portalApi.lock(false, assertion);
  } catch (e) {
    throw passkeyError(e);
  }
}
