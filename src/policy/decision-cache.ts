// A bounded LRU of view decisions. A decision is a pure function of its input (the policy set
// is fixed for the life of the engine), so an identical input — same agent attributes,
// suspension, ticket, customer, lock and granted fields — gets the identical answer without
// another Cedar evaluation. Agents re-open the same ticket many times while working it.

/** LRU map from a canonical input key to a frozen decision. */
export class DecisionCache<V> {
  readonly #max: number;
  readonly #map = new Map<string, V>();

  /** `max` entries at most (an integer >= 0; 0 disables the cache).
   *  @throws RangeError otherwise: a missing or NaN bound would make the cache unbounded. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError('the decision cache bound must be an integer >= 0');
    this.#max = max;
  }

  /** The cached value of `key`, refreshed as most recently used; undefined on a miss. */
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Stores `value` under `key`, evicting the least recently used entry past the bound. */
  set(key: string, value: V): void {
    if (this.#max === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }
}
