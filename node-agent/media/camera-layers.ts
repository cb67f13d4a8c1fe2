/**
 * The camera's simulcast layers as they arrive at the host (docs/media.md, "Simulcast"): each
 * layer's SSRC (a sender report must be about it), what it carried, and when it last sent. A
 * layer silent for LAYER_FRESH_MS no longer flows (the page stopped it: too little bandwidth), so
 * its receivers move to the highest one that does.
 */
import type { MediaStats } from '../../protocol/media.js';

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

  /** A new camera: its layers start again. */
  clear(): void {
    this.#layers.clear();
  }

  /** Per layer, lowest first, with how many of `receiversOn` get it. */
  stats(receiversOn: (layer: number) => number): MediaStats['layers'] {
    return [...this.#layers].sort(([a], [b]) => a - b).map(([layer, l]) => ({ layer, packets: l.packets, bytes: l.bytes, receivers: receiversOn(layer) }));
  }
}
