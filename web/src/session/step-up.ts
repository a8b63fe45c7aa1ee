// Security keys for staff (WebAuthn through @simplewebauthn/browser): register one from the
// profile, and the step-up prompt — when the server answers STEP_UP_REQUIRED to a decision
// (approving a reveal, break-glass, suspending or reinstating, opening an incident, applying
// protections), the browser asks for the key, the server checks the assertion was made for
// that very action on that very target, and the action is retried once with its token.
import { startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import { ApiError, del, get, post, setStepUpHandler } from '../api/client';

type RegistrationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];
type AuthenticationOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

/** A registered key as the profile lists it. */
export interface StaffKey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** The gated actions: the path of each, the action name the server binds the challenge to, and
 *  a fixed target where the path names none. */
const GATED: ReadonlyArray<readonly [string, RegExp, string, string?]> = [
  ['POST', /^\/v1\/reveal-requests\/([^/?]+)\/approve$/, 'reveal_approve'],
  ['POST', /^\/v1\/break-glass\/([^/?]+)\/approve$/, 'break_glass_approve'],
  ['POST', /^\/v1\/break-glass\/([^/?]+)\/deny$/, 'break_glass_deny'],
  ['POST', /^\/v1\/agents\/([^/?]+)\/suspend$/, 'agent_suspend'],
  ['POST', /^\/v1\/agents\/([^/?]+)\/reinstate$/, 'agent_reinstate'],
  ['POST', /^\/v1\/incidents$/, 'incident_open'],
  ['POST', /^\/v1\/incidents\/([^/?]+)\/protections$/, 'protection_apply'],
  ['POST', /^\/v1\/me\/session\/confirm$/, 'session_confirm', 'session'],
];

/** A WebAuthn failure as a sentence the person can act on. */
function keyError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if ((e instanceof WebAuthnError && e.code === 'ERROR_CEREMONY_ABORTED') || (e instanceof Error && e.name === 'NotAllowedError')) {
    return new ApiError(0, 'KEY_CANCELLED', 'The security-key prompt was cancelled or timed out. Try again and touch your key.');
  }
  return new ApiError(0, 'KEY_FAILED', e instanceof Error ? e.message : String(e));
}

/** My keys. */
export const listKeys = async (): Promise<StaffKey[]> => (await get<{ keys: StaffKey[] }>('/v1/me/keys')).keys;

/** Registers a key named `name`. @throws ApiError. */
export async function registerKey(name: string): Promise<StaffKey> {
  try {
    const optionsJSON = await post<RegistrationOptions>('/v1/me/keys/options');
    const response = await startRegistration({ optionsJSON });
    return await post<StaffKey>('/v1/me/keys', { name, response });
  } catch (e) {
    throw keyError(e);
  }
}

/** Removes key `id`. */
export const removeKey = (id: string): Promise<void> => del<void>(`/v1/me/keys/${encodeURIComponent(id)}`);

/** Confirms `action` on `target` with a security key; resolves to the single-use token. */
export async function confirmWithKey(action: string, target: string): Promise<string> {
  try {
    const optionsJSON = await post<AuthenticationOptions>('/v1/me/step-up/options', { action, target });
    const response = await startAuthentication({ optionsJSON });
    return (await post<{ token: string }>('/v1/me/step-up', { action, target, response })).token;
  } catch (e) {
    throw keyError(e);
  }
}

/** Confirms with a security key that this browser and network are mine (after a
 *  session-binding step-up, src/detect/detectors/session-binding.ts): the server records the
 *  step-up from this client, which re-binds the session to it. @throws ApiError (KEY_CANCELLED,
 *  STEP_UP_NO_KEY when no key is registered, …). */
export const confirmSession = (): Promise<void> => post<void>('/v1/me/session/confirm');

/** Installs the step-up prompt on every API call (once, at start). */
export function installStepUpPrompt(): void {
  setStepUpHandler(async (method, url) => {
    const path = url.split('?')[0] ?? url;
    for (const [m, re, action, fixed] of GATED) {
      const hit = m === method ? re.exec(path) : null;
      if (hit) return confirmWithKey(action, fixed ?? (hit[1] ? decodeURIComponent(hit[1]) : 'new'));
    }
    return undefined;
  });
}
