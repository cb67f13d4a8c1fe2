/**
 * The relay's packet taps: what this agent itself does with the accepted RTP of a kind (the
 * recorder, the podcast's listeners). A camera sent in simulcast layers reaches them as one
 * stream, its top layer, renumbered across layer changes (camera-layers.ts TopLayerStream). A tap
 * that throws is logged and stays.
 */
import type { MediaKind, RtpInfo } from '../../protocol/media.js';
import { createLogger } from '../log.js';
import { TopLayerStream } from './camera-layers.js';

const log = createLogger('agent:media');

/** Accepted RTP of one kind, after validation (the podcast player records it). */
export type PacketTap = (packet: Buffer, rtp: RtpInfo) => void;

export class PacketTaps {
  readonly #taps = new Map<MediaKind, Set<PacketTap>>();
  #topStream: TopLayerStream;

  /** `askKeyframe`: of a layer that became the top one, so the taps' stream can move to it */
  constructor(private readonly askKeyframe: (layer: number) => void) {
    this.#topStream = new TopLayerStream(askKeyframe);
  }

  /** Calls `tap` with every accepted RTP packet of `kind`; returns its remover. */
  add(kind: MediaKind, tap: PacketTap): () => void {
    let set = this.#taps.get(kind);
    if (!set) this.#taps.set(kind, (set = new Set()));
    set.add(tap);
    return () => set.delete(tap);
  }

  /** A new camera: its layers make a new stream. */
  newCamera(): void {
    this.#topStream = new TopLayerStream(this.askKeyframe);
  }

  /** One accepted packet; `layer` of the camera's `top` (undefined: a source of one layer). */
  feed(kind: MediaKind, packet: Buffer, rtp: RtpInfo, keyframe: boolean, layer: number | undefined, top: number | undefined): void {
    const taps = this.#taps.get(kind);
    if (!taps?.size) return;
    const out = layer === undefined ? packet : this.#topStream.take(packet, rtp.seq, rtp.timestamp, layer, keyframe, top);
    if (!out) return;
    for (const tap of [...taps]) {
      try {
        tap(out, rtp);
      } catch (err) {
        log.warn(`a ${kind} packet tap failed`, err);
      }
    }
  }

  clear(): void {
    this.#taps.clear();
  }
}
