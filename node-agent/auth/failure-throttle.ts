/**
 * Throttles failed password attempts per source address: a few free tries, then each further try
 * must wait an exponentially growing delay (capped). Successful logins from other addresses are
 * never slowed. Entries expire so the table stays bounded.
 */
/** exported for the brute-force test and benchmark, which derive their bounds from them */
export const FREE_FAILURES = 5;
export const BASE_DELAY_MS = 1000;
export const MAX_DELAY_MS = 60_000;
const FORGET_AFTER_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastSeen: number;
}

export class FailureThrottle {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds this address must still wait before another attempt (0 = may try now). */
  retryAfter(address: string): number {
    const e = this.#entries.get(address);
    if (!e) return 0;
    return Math.max(0, e.blockedUntil - this.now());
  }

  recordFailure(address: string): void {
    const now = this.now();
    const e = this.#entries.get(address) ?? { failures: 0, blockedUntil: 0, lastSeen: now };
    e.failures++;
    e.lastSeen = now;
    if (e.failures > FREE_FAILURES) {
      e.blockedUntil = now + Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (e.failures - FREE_FAILURES - 1));
    }
    this.#entries.delete(address);
    this.#entries.set(address, e);
    this.#prune(now);
  }

  recordSuccess(address: string): void {
    this.#entries.delete(address);
  }

  #prune(now: number): void {
    for (const [addr, e] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES && now - e.lastSeen < FORGET_AFTER_MS) break;
      this.#entries.delete(addr);
    }
  }
}
