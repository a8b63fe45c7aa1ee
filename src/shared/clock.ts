// Time is injected (STYLE.md convention 10): server code asks a Clock, never Date.now().

/** A source of the current time. `now()` returns a Date; implementations MUST be monotone
 *  non-decreasing within one process for the broker's expiry checks to be meaningful. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and the simulator. */
export class FixedClock implements Clock {
  #ms: number;
  constructor(start: Date | number = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.#ms = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  /** Moves the clock forward by `ms` milliseconds (negative values throw). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('FixedClock cannot go backwards');
    this.#ms += ms;
  }
  /** Sets the clock to `t`, which MUST NOT be earlier than now. */
  set(t: Date | number): void {
    const ms = typeof t === 'number' ? t : t.getTime();
    if (ms < this.#ms) throw new RangeError('FixedClock cannot go backwards');
    this.#ms = ms;
  }
}
