// Kysely table types of customer authentication (migrations/0004_customer.sql).
export interface CustomerCredentialTable {
  id: string;
  customer_id: string;
  public_key: Uint8Array;
  counter: number;
  transports: string[];
  created_at: Date;
  last_used_at: Date | null;
}

export interface CustomerSessionTable {
  id_hash: Uint8Array;
  customer_id: string;
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

export interface WebauthnChallengeTable {
  challenge: string;
  purpose: 'register' | 'authenticate' | 'consent' | 'unlock';
  customer_id: string | null;
  subject: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** The tables of customer authentication. */
export interface CustomerAuthTables {
  customer_credentials: CustomerCredentialTable;
  customer_sessions: CustomerSessionTable;
  webauthn_challenges: WebauthnChallengeTable;
}
