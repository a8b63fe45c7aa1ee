// A small bounded LRU of unwrapped data keys, so one view that decrypts several fields of a
// customer unwraps once. An entry is used only while its customer_keys row is unchanged, and the
// vault evicts it on erase and on KEK rotation. docs/design/vault.md "Data-key cache".

/** An unwrapped data key and the row it came from. */
export interface CachedDataKey {
  readonly kekId: string;
  readonly keyVersion: number;
  readonly wrapped: Uint8Array;
  readonly dataKey: Uint8Array;
}

/** Least-recently-used map from customer id to data key, at most `capacity` entries. */
export class DataKeyCache {
  readonly #capacity: number;
  readonly #entries = new Map<string, CachedDataKey>();
  #hits = 0;
  #misses = 0;

  /** @param capacity entries kept (>= 0; 0 disables caching). */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be an integer >= 0');
    this.#capacity = capacity;
  }

  /** The cached key of `customerId` if it came from exactly this row (same KEK id, key version
   *  and wrapped bytes); otherwise undefined (and a stale entry is dropped). */
  get(customerId: string, row: { readonly kekId: string; readonly keyVersion: number; readonly wrapped: Uint8Array }): Uint8Array | undefined {
    const e = this.#entries.get(customerId);
    if (!e) {
      this.#misses++;
      return undefined;
    }
    this.#entries.delete(customerId);
    if (e.kekId !== row.kekId || e.keyVersion !== row.keyVersion || !Buffer.from(e.wrapped).equals(Buffer.from(row.wrapped))) {
      this.#misses++;
      return undefined;
    }
    this.#entries.set(customerId, e); // most recently used last
    this.#hits++;
    return e.dataKey;
  }

  /** Stores `entry` for `customerId`, evicting the least recently used beyond capacity. */
  set(customerId: string, entry: CachedDataKey): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(customerId);
    this.#entries.set(customerId, entry);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets `customerId`. */
  delete(customerId: string): void {
    this.#entries.delete(customerId);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  /** Lookups answered from the cache and not, since construction, and the hit rate (0…1;
   *  0 before any lookup). Counts only: no customer id or key material. */
  stats(): { readonly hits: number; readonly misses: number; readonly hitRate: number; readonly size: number; readonly capacity: number } {
    const total = this.#hits + this.#misses;
    return { hits: this.#hits, misses: this.#misses, hitRate: total === 0 ? 0 : this.#hits / total, size: this.#entries.size, capacity: this.#capacity };
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
}
