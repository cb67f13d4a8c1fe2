/**
 * Coalesces one relay's key frame requests upstream: at most one per KEYFRAME_INTERVAL_MS for each
 * video kind (and, apart, for each simulcast layer of the camera), so a burst of joins or PLIs
 * costs the source one key frame. A request inside the interval waits for its end; one already
 * waiting covers it.
 */
import type { VideoKind } from '../../protocol/media.js';

/** At most one key frame request upstream per this interval; later ones wait for its end. */
export const KEYFRAME_INTERVAL_MS = 300;

export class KeyframeGate {
  /** by `kind` or `kind/layer` (a request of one simulcast layer, coalesced apart from the others) */
  readonly #lastSent = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  /** `send` asks upstream now (the relay's source, or its parent). */
  constructor(private readonly send: (kind: VideoKind, layer?: number) => void) {}

  request(kind: VideoKind, layer?: number): void {
    const key = keyOf(kind, layer);
    if (this.#closed || this.#timers.has(key)) return;
    // A request of every layer, pending or just sent, covers one layer's (a join asks both: the
    // new edge's and its top lane's); twice made ffmpeg send two key frames, each an overshoot.
    if (layer !== undefined && (this.#timers.has(kind) || performance.now() - (this.#lastSent.get(kind) ?? -Infinity) < KEYFRAME_INTERVAL_MS)) return;
    const wait = (this.#lastSent.get(key) ?? -Infinity) + KEYFRAME_INTERVAL_MS - performance.now();
    if (wait <= 0) this.#fire(kind, layer);
    else this.#timers.set(key, setTimeout(() => this.#fire(kind, layer), wait));
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #fire(kind: VideoKind, layer?: number): void {
    const key = keyOf(kind, layer);
    this.#timers.delete(key);
    if (this.#closed) return;
    this.#lastSent.set(key, performance.now());
    this.send(kind, layer);
  }
}

function keyOf(kind: VideoKind, layer?: number): string {
  return layer === undefined ? kind : `${kind}/${layer}`;
}
