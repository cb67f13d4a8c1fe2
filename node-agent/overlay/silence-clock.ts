/**
 * When is a peer that has gone quiet lost? The edge heartbeat's judgement, kept pure so it can be
 * tested with made-up clocks. Two rules on top of "silent for HEARTBEAT_TIMEOUT_MS":
 *
 * - Only silence while this agent was running counts. After its own event loop was held up (a
 *   starved CPU, a long GC), the peer's messages may be waiting to be read right after the timer.
 * - The limit stretches to three times the longest recent gap between the peer's messages (that
 *   gap forgotten with a half-life of GAP_HALF_LIFE_MS), up to HEARTBEAT_MAX_TIMEOUT_MS: a busy
 *   machine or link, not a dead peer. With 31 agents on 2 cores, live peers went quiet for
 *   1.5–2.6 s; every false "lost" moved a subtree and had its chunks asked for again (the host sent
 *   4.3–4.7 copies of a file to its 4 children instead of 4.00).
 */
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MAX_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS } from '../../protocol/ctl.js';

const GAP_HALF_LIFE_MS = 10_000;

export class SilenceClock {
  #lastHeard: number;
  #lastTick: number;
  #recentGap = 0;

  constructor(now: number) {
    this.#lastHeard = this.#lastTick = now;
  }

  /** A message from the peer arrived. */
  heard(now: number): void {
    const gap = Math.max(0, now - this.#lastHeard);
    this.#recentGap = Math.max(gap, this.#recentGap * 2 ** (-gap / GAP_HALF_LIFE_MS));
    this.#lastHeard = now;
  }

  /** How long the peer may stay silent now. */
  get limitMs(): number {
    return Math.min(HEARTBEAT_MAX_TIMEOUT_MS, Math.max(HEARTBEAT_TIMEOUT_MS, 3 * this.#recentGap));
  }

  /**
   * The heartbeat timer ran (every HEARTBEAT_INTERVAL_MS). Returns how long the peer has been
   * silent while this agent ran, and whether that is past the limit; `heldUpMs` is how late the
   * timer itself was (0 when on time).
   */
  tick(now: number): { silentMs: number; lost: boolean; heldUpMs: number } {
    const late = now - this.#lastTick - HEARTBEAT_INTERVAL_MS;
    this.#lastTick = now;
    const heldUpMs = late > HEARTBEAT_INTERVAL_MS / 2 ? late : 0;
    if (heldUpMs) this.#lastHeard = Math.min(now, this.#lastHeard + heldUpMs);
    const silentMs = now - this.#lastHeard;
    return { silentMs, lost: silentMs > this.limitMs, heldUpMs };
  }
}
