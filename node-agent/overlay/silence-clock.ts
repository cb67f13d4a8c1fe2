/**
 * When is a peer that has gone quiet lost? The edge heartbeat's judgement, kept pure so it can be
 * tested with made-up clocks. Two rules on top of "silent for the floor":
 *
 * - Only silence while this agent was running counts. After its own event loop was held up (a
 *   starved CPU, a long GC), the peer's messages may be waiting to be read right after the timer.
 * - The limit stretches to three times the longest recent gap between the peer's packets (that
 *   gap forgotten with a half-life of GAP_HALF_LIFE_MS), up to HEARTBEAT_MAX_TIMEOUT_MS: a busy
 *   machine or link, not a dead peer. With 31 agents on 2 cores, live peers went quiet for
 *   1.5–2.6 s; every false "lost" moved a subtree and had its chunks asked for again (the host sent
 *   4.3–4.7 copies of a file to its 4 children instead of 4.00).
 *
 * Everything the peer sends counts as heard: data channel messages and, on a tree edge, each RTP or
 * RTCP packet and the keepalive a quiet parent sends every TREE_CHECK_MS. That is what lets the
 * child end of a tree edge use a floor of TREE_SILENCE_FLOOR_MS rather than the 1.5 s of a link
 * heard only by its pings ("no packet for N packet intervals", with the intervals that link has
 * shown lately) while it has a warm standby parent to switch to.
 */
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_MAX_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS } from '../../protocol/ctl.js';

const GAP_HALF_LIFE_MS = 10_000;
/** the limit is this many times the longest recent gap */
const GAP_FACTOR = 3;

export interface SilenceClockOptions {
  /** the shortest silence that is loss (default HEARTBEAT_TIMEOUT_MS) */
  floorMs?: number;
  /** how often `tick()` runs (default HEARTBEAT_INTERVAL_MS) */
  tickMs?: number;
}

export class SilenceClock {
  #lastHeard: number;
  #lastTick: number;
  #recentGap = 0;
  /** the shortest silence that is loss; a child with a warm standby lowers it (peer-link.ts) */
  floorMs: number;
  readonly #tickMs: number;

  constructor(now: number, opts: SilenceClockOptions = {}) {
    this.#lastHeard = this.#lastTick = now;
    this.floorMs = opts.floorMs ?? HEARTBEAT_TIMEOUT_MS;
    this.#tickMs = opts.tickMs ?? HEARTBEAT_INTERVAL_MS;
  }

  /** A packet from the peer arrived. */
  heard(now: number): void {
    const gap = now - this.#lastHeard;
    if (gap <= 0) return; // a burst read in one go is one arrival
    this.#recentGap = Math.max(gap, this.#recentGap * 2 ** (-gap / GAP_HALF_LIFE_MS));
    this.#lastHeard = now;
  }

  /** How long the peer may stay silent now. */
  get limitMs(): number {
    return Math.min(HEARTBEAT_MAX_TIMEOUT_MS, Math.max(this.floorMs, GAP_FACTOR * this.#recentGap));
  }

  /** The longest recent gap between the peer's packets, decayed (for logs and figures). */
  get recentGapMs(): number {
    return this.#recentGap;
  }

  /**
   * The timer ran (every `tickMs`). Returns how long the peer has been silent while this agent
   * ran, and whether that is past the limit; `heldUpMs` is how late the timer itself was (0 when on
   * time, or late by less than half a tick).
   */
  tick(now: number): { silentMs: number; lost: boolean; heldUpMs: number } {
    const late = now - this.#lastTick - this.#tickMs;
    this.#lastTick = now;
    const heldUpMs = late > this.#tickMs / 2 ? late : 0;
    if (heldUpMs) this.#lastHeard = Math.min(now, this.#lastHeard + heldUpMs);
    const silentMs = now - this.#lastHeard;
    return { silentMs, lost: silentMs > this.limitMs, heldUpMs };
  }
}
