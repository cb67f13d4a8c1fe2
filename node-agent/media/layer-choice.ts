/**
 * Which simulcast layer of the camera one receiver gets (docs/media.md, "Simulcast"): from the
 * loss on its link, as its receiver reports tell it (and what its queue at this hop dropped).
 * A new receiver starts on the highest layer that flows. Heavy loss (over 10 % in a report)
 * steps it down one layer at once. Up is a try: the loss, smoothed over reports, below 1 % for
 * `wait` steps it up one layer; a try that fails doubles the wait before the next (up to
 * MAX_WAIT_MS), and a layer held without heavy loss for STABLE_MS resets it. A try is also given up
 * before the next report when the receiver asks for many resends (EdgeDownstream). Smoothed, because a
 * link that loses 2 % at random (Wi-Fi) has loss-free seconds by chance (at 20 packets a second,
 * two in three): read one by one they looked clean and sent the receiver up every few seconds,
 * losing a burst each time. The switch itself waits for a key frame of the new layer (Downstream).
 */
/** Loss fractions, as the estimate's controller reads them (rate-control.ts). */
const LOSS_CLEAN = 0.01;
const LOSS_HIGH = 0.1;
/** Weight of the newest report in the smoothed loss. */
const SMOOTHING = 0.3;
/** A clean link waits this long before trying the layer above. */
export const UP_WAIT_MS = 4000;
const MAX_WAIT_MS = 64_000;
const STABLE_MS = 30_000;

export class LayerChoice {
  /** the layer wanted; Infinity = the highest that flows */
  #target = Infinity;
  #cleanSince: number | null = null;
  #wait = UP_WAIT_MS;
  /** when it last stepped up to try a layer (null: not trying) */
  #triedAt: number | null = null;
  /** the loss, smoothed over reports; after a step down it starts at 2 %, neither clean nor lossy */
  #smoothed = 0;
  /** steps down and up, for media-stats */
  switches = 0;

  /** The layer to send, given the highest one that flows now (`top`). */
  want(top: number): number {
    return Math.min(this.#target, top);
  }

  /**
   * A receiver report about the layer `current` (the one it is getting): its loss fraction
   * (0–1), at `now` (ms); `top` is the highest layer that flows.
   */
  report(loss: number, current: number, top: number, now: number): void {
    // A try that held for STABLE_MS succeeded: the next one waits the shortest again.
    if (this.#triedAt !== null && now - this.#triedAt >= STABLE_MS) {
      this.#wait = UP_WAIT_MS;
      this.#triedAt = null;
    }
    if (loss > LOSS_HIGH) return this.#stepDown(current);
    this.#smoothed += SMOOTHING * (loss - this.#smoothed);
    if (this.#smoothed >= LOSS_CLEAN) {
      this.#cleanSince = null;
      return;
    }
    this.#cleanSince ??= now;
    if (current < top && this.#target <= current && now - this.#cleanSince >= this.#wait) {
      this.#target = current + 1 >= top ? Infinity : current + 1;
      this.#cleanSince = null;
      this.#triedAt = now;
      this.switches++;
    }
  }

  /** When the layer under try was stepped up to (null: no try under way). */
  get triedAt(): number | null {
    return this.#triedAt;
  }

  /**
   * The layer under try (`current`) is losing a burst, as the receiver's requests for resends say
   * before its next report does: back down at once, as heavy loss in a report would.
   */
  abortTry(current: number): void {
    if (this.#triedAt !== null) this.#stepDown(current);
  }

  #stepDown(current: number): void {
    this.#cleanSince = null;
    if (current === 0) return;
    if (this.#triedAt !== null) this.#wait = Math.min(MAX_WAIT_MS, this.#wait * 2); // the try failed
    this.#triedAt = null;
    this.#target = current - 1;
    this.#smoothed = 2 * LOSS_CLEAN;
    this.switches++;
  }
}
