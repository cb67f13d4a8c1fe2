/**
 * The camera's simulcast layers as they arrive at the host (docs/media.md, "Simulcast"): each
 * layer's SSRC (a sender report must be about it), what it carried, and when it last sent. A
 * layer silent for LAYER_FRESH_MS no longer flows (the page stopped it: too little bandwidth), so
 * its receivers move to the highest one that does.
 */
import { CLOCK_RATES, type MediaStats } from '../../protocol/media.js';
import { continueAfter } from './downstream.js';

export const LAYER_FRESH_MS = 1000;

export class CameraLayers {
  readonly #layers = new Map<number, { packets: number; bytes: number; ssrc: number; at: number }>();

  /** A packet of `layer`, from `ssrc`. */
  packet(layer: number, ssrc: number, bytes: number): void {
    const now = performance.now();
    const l = this.#layers.get(layer);
    if (!l) return void this.#layers.set(layer, { packets: 1, bytes, ssrc, at: now });
    l.packets++;
    l.bytes += bytes;
    l.ssrc = ssrc;
    l.at = now;
  }

  /** The SSRC `layer` was last seen with. */
  ssrc(layer: number): number | undefined {
    return this.#layers.get(layer)?.ssrc;
  }

  /** The highest layer that flows now; undefined when there are none (a camera of one layer). */
  top(now = performance.now()): number | undefined {
    let top: number | undefined;
    for (const [layer, l] of this.#layers) if (now - l.at < LAYER_FRESH_MS && (top === undefined || layer > top)) top = layer;
    return top;
  }

  /** The layers that flow now, lowest first. */
  flowing(now = performance.now()): number[] {
    return [...this.#layers].filter(([, l]) => now - l.at < LAYER_FRESH_MS).map(([layer]) => layer).sort((a, b) => a - b);
  }

  /** A new camera: its layers start again. */
  clear(): void {
    this.#layers.clear();
  }

  /** Per layer, lowest first, with how many of `receiversOn` get it. */
  stats(receiversOn: (layer: number) => number): MediaStats['layers'] {
    return [...this.#layers].sort(([a], [b]) => a - b).map(([layer, l]) => ({ layer, packets: l.packets, bytes: l.bytes, receivers: receiversOn(layer) }));
  }
}

/**
 * The camera's top layer as one stream, for the relay's taps (the recorder): one SSRC (the first
 * layer's), numbering continuous across a change of top layer. A change waits for the new top
 * layer's key frame, the old layer going on until then; nothing waits at the start (the recorder's
 * ffmpeg aligns picture and sound by their first packets). Packets of the page's stopped 720p layer
 * followed by its 180p one under another SSRC made ffmpeg's RTP input write nothing more.
 */
export class TopLayerStream {
  #layer: number | null = null;
  #ssrc = 0;
  #seqOffset = 0;
  #tsOffset = 0;
  #last: { seq: number; ts: number; at: number } | null = null;
  /** when a key frame of the new top layer was last asked for */
  #askedAt = -Infinity;

  constructor(private readonly askKeyframe: (layer: number) => void) {}

  /** The copy of `packet` to hand the taps, rewritten, or null when it is not theirs. */
  take(packet: Buffer, seq: number, ts: number, layer: number, keyframe: boolean, top: number | undefined): Buffer | null {
    if (this.#layer === null) {
      if (layer !== top) return null;
      this.#layer = layer;
      this.#ssrc = packet.readUInt32BE(8);
    }
    if (layer !== this.#layer) {
      if (layer !== top) return null;
      if (!keyframe) {
        const now = performance.now();
        if (now - this.#askedAt >= ASK_MS) {
          this.#askedAt = now;
          this.askKeyframe(layer);
        }
        return null;
      }
      this.#layer = layer;
      if (this.#last) {
        ({ seqOffset: this.#seqOffset, tsOffset: this.#tsOffset } = continueAfter(this.#last, seq, ts, CLOCK_RATES.video));
      }
    }
    const out = Buffer.from(packet);
    const s = (seq + this.#seqOffset) & 0xffff;
    const t = (ts + this.#tsOffset) >>> 0;
    out.writeUInt32BE(this.#ssrc, 8);
    out.writeUInt16BE(s, 2);
    out.writeUInt32BE(t, 4);
    this.#last = { seq: s, ts: t, at: performance.now() };
    return out;
  }
}

const ASK_MS = 1000;
