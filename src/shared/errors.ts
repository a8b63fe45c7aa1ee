// The one error base of Keyhole and the catalogue of every stable error code: its HTTP status,
// its CLI exit code and the message a caller sees. Browser-safe (no Node imports).
// docs/errors.md lists the same catalogue; test/errors.test.ts checks that both agree.

/** Every code a caller can tell apart, grouped by the module that raises it. */
export const ERROR_CATALOG = {
  // server / input
  BAD_REQUEST: { status: 400, exit: 2, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, exit: 2, message: 'The request does not match the schema.' },
  UNAUTHENTICATED: { status: 401, exit: 3, message: 'Sign in first.' },
  FORBIDDEN: { status: 403, exit: 3, message: 'Your role does not allow this action.' },
  INSUFFICIENT_SCOPE: { status: 403, exit: 3, message: 'This token does not carry the scope this action needs.' },
  TOKEN_NOT_FOUND: { status: 404, exit: 4, message: 'No such live token.' },
  NOT_FOUND: { status: 404, exit: 4, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, exit: 4, message: 'No such route.' },
  CONFLICT: { status: 409, exit: 5, message: 'The resource is not in a state that allows this.' },
  RATE_LIMITED: { status: 429, exit: 6, message: 'Too many requests; retry later.' },
  CROSS_ORIGIN_REJECTED: { status: 403, exit: 3, message: 'A request from another site or origin cannot change state here.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2, message: 'Send the request body as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2, message: 'The request body is too large.' },
  MALFORMED_URL: { status: 400, exit: 2, message: 'The URL is malformed.' },
  URL_TOO_LONG: { status: 414, exit: 2, message: 'A part of the URL is too long.' },
  INTERNAL: { status: 500, exit: 1, message: 'Internal error.' },
  // store
  STORE_LOCKED: { status: 503, exit: 7, message: 'Another process holds the data directory.' },
  MIGRATION_CHECKSUM: { status: 500, exit: 7, message: 'An applied migration was changed after it ran.' },
  DATABASE_UNAVAILABLE: { status: 503, exit: 7, message: 'The database is unavailable; retry shortly.' },
  // vault
  DECRYPT_FAILED: { status: 500, exit: 8, message: 'Decryption failed.' },
  KEY_UNAVAILABLE: { status: 500, exit: 8, message: 'A key is not available.' },
  CUSTOMER_ERASED: { status: 410, exit: 8, message: 'This customer was erased.' },
  // fields
  UNKNOWN_FIELD: { status: 400, exit: 2, message: 'Unknown customer field.' },
  FIELD_NOT_VERIFIABLE: { status: 400, exit: 2, message: 'This field cannot be verified.' },
  FIELD_VALUE_INVALID: { status: 500, exit: 1, message: 'A stored field value has the wrong shape.' },
  // policy
  POLICY_INVALID: { status: 500, exit: 9, message: 'A Cedar policy or the schema is invalid.' },
  POLICY_DENIED: { status: 403, exit: 3, message: 'Policy denies this access.' },
  // access
  TICKET_NOT_FOUND: { status: 404, exit: 4, message: 'No such ticket.' },
  TICKET_CLOSED: { status: 409, exit: 5, message: 'The ticket is closed.' },
  AGENT_SUSPENDED: { status: 403, exit: 3, message: 'This agent is suspended.' },
  VERIFY_LOCKED: { status: 429, exit: 6, message: 'Too many failed verification attempts; locked for 24 hours.' },
  REVEAL_NOT_ALLOWED: { status: 403, exit: 3, message: 'These fields cannot be revealed for this ticket.' },
  REQUEST_NOT_FOUND: { status: 404, exit: 4, message: 'No such reveal request.' },
  REQUEST_NOT_PENDING: { status: 409, exit: 5, message: 'The reveal request was already decided.' },
  SELF_APPROVAL: { status: 403, exit: 3, message: 'You cannot approve your own request.' },
  LOOKUP_NO_MATCH: { status: 404, exit: 4, message: 'No customer matches.' },
  PASSKEY_INVALID: { status: 401, exit: 3, message: 'The passkey check failed; try again with your passkey.' },
  BUDGET_EXCEEDED: { status: 429, exit: 6, message: 'Access budget exhausted; ask a supervisor to extend it.' },
  // audit
  AUDIT_APPEND_FAILED: { status: 503, exit: 10, message: 'The access could not be recorded, so it was refused.' },
  LOG_UNHEALTHY: { status: 503, exit: 10, message: 'The audit log is not integrating; customer data is withheld until it recovers.' },
  LOG_PUSHBACK: { status: 503, exit: 10, message: 'The log is busy; retry after a moment.' },
  LOG_VERIFY_FAILED: { status: 500, exit: 11, message: 'The log failed verification.' },
  PROOF_INVALID: { status: 400, exit: 11, message: 'The proof does not verify.' },
  CHECKPOINT_INVALID: { status: 400, exit: 11, message: 'The checkpoint is malformed or its signature does not verify.' },
  INDEX_OUT_OF_RANGE: { status: 400, exit: 2, message: 'The index or size is outside the log.' },
  // audit: witnesses (C2SP tlog-witness / tlog-cosignature) and the published-checkpoint floor
  WITNESS_QUORUM_NOT_MET: { status: 400, exit: 11, message: 'The checkpoint is not cosigned by enough trusted witnesses.' },
  WITNESS_UNKNOWN_LOG: { status: 404, exit: 4, message: 'The witness does not know this log.' },
  WITNESS_SIGNATURE_INVALID: { status: 403, exit: 11, message: 'The checkpoint carries no valid signature of a key the witness trusts for this log.' },
  WITNESS_CONFLICT: { status: 409, exit: 5, message: 'The old size is not the size the witness last cosigned.' },
  WITNESS_INCONSISTENT: { status: 422, exit: 11, message: 'The checkpoint is not consistent with the last one the witness cosigned.' },
  WITNESS_UNAVAILABLE: { status: 503, exit: 10, message: 'The witness did not answer; retry later.' },
  LOG_BEHIND_PUBLISHED: { status: 503, exit: 11, message: 'The log is behind or forks from a checkpoint it already published; an operator override is needed to sign.' },
  // incident
  INCIDENT_NOT_FOUND: { status: 404, exit: 4, message: 'No such incident.' },
  PROTECTION_NOT_FOUND: { status: 404, exit: 4, message: 'No such protective measure.' },
  TEMPLATE_INVALID: { status: 400, exit: 2, message: 'The notification template is invalid.' },
  TEMPLATE_STALE: { status: 409, exit: 5, message: 'The template changed since it was previewed; preview it again.' },
  CHANNEL_NOT_CONFIGURED: { status: 409, exit: 5, message: 'This delivery channel is not configured.' },
  BUNDLE_INVALID: { status: 400, exit: 11, message: 'The evidence bundle does not verify.' },
  // watermark
  IMAGE_UNREADABLE: { status: 400, exit: 2, message: 'The image could not be read (PNG, JPEG or WebP expected).' },
  // identity (issue 11): OIDC sign-in, SCIM provisioning, staff step-up
  IDENTITY_MAPPING_INVALID: { status: 500, exit: 2, message: 'The identity mapping file is invalid.' },
  OIDC_CONFIG_INVALID: { status: 500, exit: 2, message: 'The OpenID Connect settings are invalid.' },
  OIDC_NOT_CONFIGURED: { status: 404, exit: 4, message: 'Single sign-on is not configured on this server.' },
  OIDC_PROVIDER_UNAVAILABLE: { status: 503, exit: 10, message: 'The identity provider did not answer; retry shortly.' },
  OIDC_STATE_INVALID: { status: 400, exit: 3, message: 'This sign-in is unknown, expired or already used; start again.' },
  OIDC_SIGN_IN_REJECTED: { status: 401, exit: 3, message: 'The identity provider\'s answer did not verify; start again.' },
  OIDC_NOT_PROVISIONED: { status: 403, exit: 3, message: 'You are not provisioned for Keyhole; ask your administrator.' },
  STEP_UP_REQUIRED: { status: 403, exit: 3, message: 'Confirm this action with your security key.' },
  STEP_UP_INVALID: { status: 403, exit: 3, message: 'The security-key confirmation is not valid for this action; confirm again.' },
  STEP_UP_NO_KEY: { status: 403, exit: 3, message: 'Register a security key in your profile before this action.' },
  CREDENTIAL_NOT_FOUND: { status: 404, exit: 4, message: 'No such security key.' },
  // integrations (issue 12): helpdesk webhooks and SIEM sinks
  WEBHOOK_SIGNATURE_INVALID: { status: 401, exit: 3, message: 'The webhook signature or credentials do not verify.' },
  WEBHOOK_STALE: { status: 401, exit: 3, message: 'The webhook timestamp is too far from now (more than 5 minutes).' },
  WEBHOOK_REPLAYED: { status: 409, exit: 5, message: 'This webhook delivery was already received.' },
  INTEGRATION_NOT_CONFIGURED: { status: 404, exit: 4, message: 'This integration is not configured.' },
  SINK_UNAVAILABLE: { status: 503, exit: 10, message: 'The SIEM sink did not accept the events; retrying.' },
  // console (issue 14)
  CUSTOMER_LOCKED: { status: 403, exit: 3, message: 'The customer has locked their data; only an approved break-glass opens it.' },
  PASSKEY_REQUIRED: { status: 403, exit: 3, message: 'Confirm with your passkey to do this.' },
  // cluster
  LEADER_LOST: { status: 503, exit: 10, message: 'This instance no longer leads the log; its batch was not committed.' },
  SCHEMA_TOO_NEW: { status: 500, exit: 7, message: 'The database schema is newer than this version of Keyhole knows; upgrade Keyhole.' },
  SHUTTING_DOWN: { status: 503, exit: 10, message: 'This instance is shutting down; retry on another.' },
  CONFIG_INVALID: { status: 500, exit: 2, message: 'A KEYHOLE_* setting is invalid or unknown.' },
  // hsm: key providers, rotation and erasure on the record (issue 19)
  KEK_IN_USE: { status: 409, exit: 5, message: 'The key-encryption key is current or still wraps data keys.' },
  KEY_IN_USE: { status: 409, exit: 5, message: 'The key version is current or still in use (indexes under it, or its signing overlap has not ended).' },
  ROTATION_IN_PROGRESS: { status: 409, exit: 5, message: 'A rotation of this key has not finished; resume it first.' },
  HSM_MODULE_MISSING: { status: 500, exit: 8, message: 'The PKCS#11 module cannot be loaded.' },
  HSM_TOKEN_NOT_FOUND: { status: 500, exit: 8, message: 'No PKCS#11 token has the configured label.' },
  HSM_LOGIN_FAILED: { status: 500, exit: 8, message: 'The HSM refused the PIN.' },
  HSM_KEYS_MISSING: { status: 500, exit: 8, message: 'The HSM token does not hold the Keyhole keys; run keyhole keys init.' },
  HSM_KEY_EXTRACTABLE: { status: 500, exit: 8, message: 'A key on the HSM token is extractable or not sensitive; it is refused.' },
  HSM_UNAVAILABLE: { status: 503, exit: 8, message: 'The HSM is unreachable; retry shortly.' },
  REASON_REQUIRED: { status: 400, exit: 2, message: 'A reason is required for this action.' },
} as const satisfies Record<string, { status: number; exit: number; message: string }>;

/** A stable error code; the catalogue above is exhaustive. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The base of every error Keyhole raises on purpose. `code` is stable and documented in
 *  docs/errors.md; `message` is safe to show to the caller (it MUST NOT contain customer
 *  field values, keys or secrets); `cause` keeps the underlying reason and is never serialized. */
export class KeyholeError extends Error {
  override readonly name: string = 'KeyholeError';
  readonly code: ErrorCode;
  /** Structured, non-secret evidence or instructions (e.g. `retryAfterS`, `firstBadIndex`). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? ERROR_CATALOG[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

/** True when `e` is a KeyholeError with `code` (or any KeyholeError when `code` is omitted). */
export function isKeyholeError(e: unknown, code?: ErrorCode): e is KeyholeError {
  return e instanceof KeyholeError && (code === undefined || e.code === code);
}
