// Kysely table types owned by the identity module (migrations/0020_identity.sql).
import type { ColumnType, Kysely } from 'kysely';
import type { AccessTables } from '../access/tables.js';
import type { AuditTables } from '../audit/tables.js';

/** An agent the identity provider manages over SCIM. */
export interface IdentityUserTable {
  agent_id: string;
  user_name: string;
  external_id: string | null;
  idp_active: boolean;
  idp_suspended: ColumnType<boolean, boolean | undefined, boolean>;
  /** The SCIM attributes the provider sent (JSON text on insert). */
  attributes: ColumnType<unknown, string, string>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A SCIM group. */
export interface IdentityGroupTable {
  id: string;
  display_name: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Membership of an agent in a SCIM group. */
export interface IdentityGroupMemberTable {
  group_id: string;
  agent_id: string;
}

/** The provider's subject (issuer + sub) of an agent. */
export interface IdentityOidcLinkTable {
  issuer: string;
  subject: string;
  agent_id: string;
  created_at: Date;
  last_sign_in_at: Date | null;
}

/** A sign-in in progress, keyed by the SHA-256 of its `state`. */
export interface IdentityOidcFlowTable {
  state_hash: Uint8Array;
  code_verifier: string;
  nonce: string;
  return_to: string;
  max_age: number | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** The columns identity adds to agent_sessions. */
export interface IdentitySessionColumns {
  auth_method: ColumnType<string, string | undefined, string>;
  auth_time: Date | null | undefined;
  oidc_issuer: string | null | undefined;
}

/** A staff member's WebAuthn credential (security key or passkey). */
export interface StaffCredentialTable {
  id: string;
  agent_id: string;
  name: string;
  public_key: Uint8Array;
  counter: ColumnType<string | number, number, number>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Date;
  last_used_at: Date | null;
}

/** A single-use WebAuthn challenge of a staff member. */
export interface StaffChallengeTable {
  challenge: string;
  agent_id: string;
  purpose: 'register' | 'step_up';
  action: string | null;
  target: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** A verified step-up: one action on one target, once, before `expires_at`. */
export interface StaffStepUpTable {
  token_hash: Uint8Array;
  agent_id: string;
  action: string;
  target: string;
  credential_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** The tables of the identity module. */
export interface IdentityTables {
  identity_users: IdentityUserTable;
  identity_groups: IdentityGroupTable;
  identity_group_members: IdentityGroupMemberTable;
  identity_oidc_links: IdentityOidcLinkTable;
  identity_oidc_flows: IdentityOidcFlowTable;
  agent_sessions: IdentitySessionColumns;
  staff_credentials: StaffCredentialTable;
  staff_challenges: StaffChallengeTable;
  staff_step_ups: StaffStepUpTable;
}

/** The database identity works on: the access and audit tables and its own. */
export type IdentityDb = Kysely<AccessTables & AuditTables & IdentityTables>;
