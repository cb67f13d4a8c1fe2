/**
 * Seeded randomness and an injectable clock for the labs. The labs never call Math.random or
 * Date.now: a run is a pure function of its inputs and seed, so a student can replay the exact run
 * a classmate saw, and tests can pin event logs.
 */

/** A deterministic pseudo-random source. */
export interface Rng {
  /** The seed this generator started from (for display: "rerun with --seed N"). */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** True with probability p (p ≤ 0 never, p ≥ 1 always). */
  chance(p: number): boolean;
}

/** Milliseconds (real or simulated) as seen by a lab state machine; injected, never global. */
export type Clock = () => number;

/**
 * mulberry32: 32-bit state, passes the statistical tests that matter for loss simulation and is a
 * few lines, so the UI (same code) reproduces the agent's draws exactly. Not for cryptography.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed: seed >>> 0,
    next,
    int: (n) => Math.floor(next() * n),
    // Always draw, even for p = 0 or 1, so changing a probability does not shift later draws.
    chance: (p) => next() < p,
  };
}

/** Derives an independent stream from a seed (e.g. one for data loss, one for ACK loss). */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
