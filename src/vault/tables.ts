// Kysely table types of the vault (migrations/0001_core.sql): data keys, field ciphertexts,
// blind indexes and vault metadata, plus the two columns of `customers` (owned by access)
// that the vault reads and sets: the id and the erasure tombstone.

/** One data key per customer, wrapped by KEK `kek_id`; `wrapped_key` is null once shredded. */
export interface CustomerKeyTable {
  customer_id: string;
  kek_id: string;
  /** The data key's version (from 1); bound into every field's AAD. */
  key_version: number;
  wrapped_key: Uint8Array | null;
}

/** One AES-256-GCM ciphertext per (customer, field); format in envelope.ts. */
export interface CustomerFieldTable {
  customer_id: string;
  field: string;
  ciphertext: Uint8Array;
}

/** HMAC-SHA-256 blind index (32 bytes) of one field's canonical value, under blind-index key
 *  version `key_version` (key-versions.ts). */
export interface BlindIndexTable {
  customer_id: string;
  field: string;
  digest: Uint8Array;
  key_version: import('kysely').ColumnType<number, number | undefined, number>;
}

/** Non-secret vault settings (e.g. the blind-index key check value). */
export interface VaultMetaTable {
  key: string;
  value: string;
}

/** The part of access's `customers` table the vault touches. */
export interface VaultCustomerTable {
  id: string;
  erased_at: Date | null;
}

/** The tables the vault reads and writes. */
export interface VaultTables {
  customer_keys: CustomerKeyTable;
  customer_fields: CustomerFieldTable;
  blind_indexes: BlindIndexTable;
  vault_meta: VaultMetaTable;
  customers: VaultCustomerTable;
  key_versions: import('./key-versions.js').KeyVersionTable;
  blind_index_reindex: import('./key-versions.js').BlindIndexReindexTable;
}

/** A database (or open transaction) holding at least the vault's tables. */
export type VaultDb = import('kysely').Kysely<VaultTables>;
