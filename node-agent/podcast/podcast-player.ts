/**
 * A listener's podcast player: records every packet into a PodcastBuffer and plays from a cursor
 * to an output (the page's loopback track), paced by the packets' recorded time so the output has
 * the stream's own rhythm. Live: each packet goes out as it arrives (nothing added to the tree's
 * latency). Paused: recording goes on, nothing goes out. Resumed: playback continues exactly where
 * it stopped, as far behind live as the pause was long. Jump to live or seek anywhere in the buffer.
 *
 * The playhead `p` is a recorded time: live, it is the live edge; playing behind live, it advances
 * with the clock (`p = now - offset`); paused, it stands still. "Behind live" is the live edge
 * minus `p`. When the cap pushes out audio the cursor had not played, the playhead moves to the
 * oldest audio kept and `droppedMs` says how much was lost, for the UI's note.
 *
 * Every jump in what goes out (resume, seek, live, a new run of the stream) is announced with
 * `discontinuity()` first, so the output can renumber continuously and advance its clock by the
 * real time that passed: a browser's jitter buffer then sees a pause in speech, not 3 s of late
 * packets (which would make it grow its delay).
 */
import { CamvidError } from '../../protocol/errors.js';
import type { PlayerState, PlayerView } from '../../protocol/podcast.js';
import { TypedEmitter } from '../typed-emitter.js';
import { FLAG_BREAK, PodcastBuffer } from './podcast-buffer.js';

/** Where the player sends what is due. */
export interface PlayerOutput {
  play(packet: Buffer): void;
  /** the next packet does not follow the one before it */
  discontinuity(): void;
}

/** Injectable time, so tests can drive a player without waiting. */
export interface PlayerClock {
  now(): number;
  /** runs `fn` after `ms`; returns its canceller */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const REAL_CLOCK: PlayerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  },
};

export type PodcastPlayerEvents = {
  /** the state changed (not every position change: poll `view()` for those) */
  state: [state: Exclude<PlayerState, 'off'>];
};

export class PodcastPlayer extends TypedEmitter<PodcastPlayerEvents> {
  readonly buffer: PodcastBuffer;
  #state: Exclude<PlayerState, 'off'> = 'live';
  /** absolute index of the next packet to play */
  #cursor = 0;
  /** playing behind live: a packet is due at `t + offset` (clock time) */
  #offset = 0;
  /** paused: the playhead's recorded time */
  #pausedP = 0;
  #droppedMs = 0;
  #cancelTimer: (() => void) | null = null;
  #closed = false;

  constructor(
    capMs: number,
    private readonly output: PlayerOutput,
    private readonly clock: PlayerClock = REAL_CLOCK,
  ) {
    super();
    this.buffer = new PodcastBuffer(capMs);
  }

  get state(): Exclude<PlayerState, 'off'> {
    return this.#state;
  }

  /** The recorded time being played now. */
  playhead(now = this.clock.now()): number {
    if (this.#state === 'paused') return this.#pausedP;
    if (this.#state === 'delayed') return now - this.#offset;
    return this.buffer.liveT(now) ?? 0;
  }

  behindMs(now = this.clock.now()): number {
    const live = this.buffer.liveT(now);
    return live === null ? 0 : Math.max(0, Math.round(live - this.playhead(now)));
  }

  view(): PlayerView {
    const now = this.clock.now();
    const live = this.buffer.liveT(now);
    const first = this.buffer.length ? this.buffer.t(this.buffer.first) : null;
    return {
      state: this.#state,
      behindMs: this.behindMs(now),
      bufferedMs: live === null || first === null ? 0 : Math.round(live - first),
      capMs: this.buffer.capMs,
      bufferedBytes: this.buffer.bytes,
      droppedMs: Math.round(this.#droppedMs),
    };
  }

  /** One accepted podcast packet from upstream. */
  record(packet: Uint8Array): void {
    if (this.#closed) return;
    const now = this.clock.now();
    this.buffer.push(packet, now);
    if (this.#cursor < this.buffer.first) this.#lostFront(now);
    if (this.#state === 'live') this.#playUpTo(this.buffer.end);
    else if (this.#state === 'delayed') this.#pump();
  }

  pause(): void {
    this.#assertOpen();
    if (this.#state === 'paused') return;
    this.#pausedP = this.playhead();
    if (this.#state === 'live') this.#cursor = this.buffer.end;
    this.#stopTimer();
    this.#setState('paused');
  }

  /** Continues from where it paused (behind live by as long as the pause was, up to the cap). */
  resume(): void {
    this.#assertOpen();
    if (this.#state !== 'paused') return;
    this.#offset = this.clock.now() - this.#pausedP;
    this.output.discontinuity();
    this.#setState('delayed');
    this.#pump();
  }

  live(): void {
    this.#assertOpen();
    this.#stopTimer();
    this.#cursor = this.buffer.end;
    this.#droppedMs = 0;
    if (this.#state !== 'live') this.output.discontinuity();
    this.#setState('live');
  }

  /** Plays from `behindMs` behind live (clamped to what the buffer holds); 0 is live. Keeps a pause paused. */
  seek(behindMs: number): void {
    this.#assertOpen();
    const now = this.clock.now();
    const live = this.buffer.liveT(now);
    if (behindMs <= 0 || live === null) {
      if (this.#state === 'paused') {
        this.#pausedP = live ?? 0;
        this.#cursor = this.buffer.end;
      } else this.live();
      return;
    }
    const p = Math.max(live - behindMs, this.buffer.t(this.buffer.first));
    this.#cursor = this.buffer.indexAt(p);
    this.#stopTimer();
    if (this.#state === 'paused') {
      this.#pausedP = p;
      return;
    }
    this.#offset = now - p;
    this.output.discontinuity();
    this.#setState('delayed');
    this.#pump();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    this.buffer.clear();
    this.removeAllListeners();
  }

  /** The cap pushed out audio the cursor had not reached: go on from the oldest audio kept. */
  #lostFront(now: number): void {
    const oldest = this.buffer.t(this.buffer.first);
    const p = this.playhead(now);
    if (oldest > p) this.#droppedMs += oldest - p;
    this.#cursor = this.buffer.first;
    if (this.#state === 'paused') this.#pausedP = Math.max(this.#pausedP, oldest);
    else if (this.#state === 'delayed') this.#offset = Math.min(this.#offset, now - oldest);
  }

  /** Plays everything due; then waits for the next packet's time, or turns live once all is played. */
  #pump(): void {
    this.#stopTimer();
    if (this.#closed || this.#state !== 'delayed') return;
    const p = this.playhead();
    let due = this.#cursor;
    while (due < this.buffer.end && this.buffer.t(due) <= p) due++;
    this.#playUpTo(due);
    if (this.#cursor >= this.buffer.end) {
      // Everything recorded has been played: this listener is as live as it can be.
      this.#setState('live');
      return;
    }
    const wait = Math.max(1, Math.ceil(this.buffer.t(this.#cursor) - p));
    this.#cancelTimer = this.clock.setTimeout(() => {
      this.#cancelTimer = null;
      this.#pump();
    }, wait);
  }

  #playUpTo(end: number): void {
    for (; this.#cursor < end; this.#cursor++) {
      if (this.buffer.flags(this.#cursor) & FLAG_BREAK) this.output.discontinuity();
      this.output.play(this.buffer.packet(this.#cursor));
    }
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  #setState(state: Exclude<PlayerState, 'off'>): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #assertOpen(): void {
    if (this.#closed) throw new CamvidError('NOT_LISTENING');
  }
}
