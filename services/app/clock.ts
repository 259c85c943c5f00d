/** Time source passed in as a dependency, so tests can move time (token expiry, pruning, throttling). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
