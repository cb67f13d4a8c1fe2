/**
 * Runs queued jobs one per turn of the event loop (setImmediate), in order. A hello costs the host
 * a few milliseconds of CPace group work (pure JS); run as the frames arrive, a burst of a hundred
 * held timers, heartbeats and every member's session up for the sum of them. Queued, nothing waits
 * behind more than one job: timers and I/O run between any two.
 */
import { createLogger } from '../log.js';

const log = createLogger('agent:signal');

export class TurnQueue {
  readonly #jobs: (() => void)[] = [];
  #scheduled = false;
  /** jobs run so far, and the most ever waiting at once (the flood benchmark reads them) */
  ran = 0;
  peak = 0;

  get waiting(): number {
    return this.#jobs.length;
  }

  push(job: () => void): void {
    this.#jobs.push(job);
    this.peak = Math.max(this.peak, this.#jobs.length);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#next());
    }
  }

  #next(): void {
    const job = this.#jobs.shift();
    try {
      if (job) {
        this.ran++;
        job();
      }
    } catch (err) {
      // A job handles its own failures; one that did not must not take the agent down.
      log.warn('a queued job failed', err);
    } finally {
      if (this.#jobs.length > 0) setImmediate(() => this.#next());
      else this.#scheduled = false;
    }
  }
}
