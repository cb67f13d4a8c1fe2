/**
 * The latest picture for a page that opens mid-stream (docs/media.md, "A page opened mid-stream"):
 * per video kind (and camera layer), the packets from the last key frame on, so a new page can
 * decode a picture at once instead of asking the source for a key frame and waiting for it to
 * come down the tree (0.25–0.7 s for a shared screen, measured; a key frame for the whole class).
 *
 * Replayed packets keep their sequence numbers (what follows continues them); their timestamps are
 * pulled together, each frame one tick before the next and the last as it was, so the page's
 * jitter buffer takes the burst as one moment and shows the newest picture at once rather than
 * replaying the last second in real time (and living that second behind).
 *
 * Bounded: a picture older than MAX_AGE_MS, or longer than MAX_PACKETS, is not kept (the page
 * then waits for a key frame as before).
 */
import { parseRtp, type RtpInfo, type VideoKind } from '../../protocol/media.js';

/** A key frame older than this is not replayed: the page asks for a fresh one instead. */
export const MAX_AGE_MS = 3000;
/** Packets kept per stream at most (~1.5 s of 720p at 2.5 Mbit/s); below the Downstream's queue. */
export const MAX_PACKETS = 200;

interface Picture {
  at: number;
  packets: Buffer[];
}

export interface Replayed {
  packet: Buffer;
  rtp: RtpInfo;
  keyframe: boolean;
}

export class GopCache {
  /**
   * By kind, then by camera layer (a stream of one layer is layer 0: a kind's stream and its
   * layers never mix, since a new source or parent clears the kind).
   */
  readonly #pictures = new Map<VideoKind, (Picture | null)[]>();

  /** One accepted packet of `kind` (of camera `layer`); `keyframe`: it starts a key frame. */
  push(kind: VideoKind, layer: number | undefined, packet: Buffer, keyframe: boolean, now: number): void {
    let layers = this.#pictures.get(kind);
    if (!layers) this.#pictures.set(kind, (layers = []));
    const l = layer ?? 0;
    if (keyframe) return void (layers[l] = { at: now, packets: [Buffer.from(packet)] });
    const p = layers[l];
    if (!p) return;
    if (p.packets.length >= MAX_PACKETS) return void (layers[l] = null); // too long: wait for the next
    p.packets.push(Buffer.from(packet));
  }

  /** The kind's stream starts again (another source, another parent): nothing of it is kept. */
  clear(kind?: VideoKind): void {
    if (kind === undefined) this.#pictures.clear();
    else this.#pictures.delete(kind);
  }

  /** The packets to give a new page, timestamps pulled together; null when there is no fresh picture. */
  replay(kind: VideoKind, layer: number | undefined, now: number): Replayed[] | null {
    const p = this.#pictures.get(kind)?.[layer ?? 0];
    if (!p || now - p.at > MAX_AGE_MS) return null;
    const parsed = p.packets.map((packet) => ({ packet: Buffer.from(packet), rtp: parseRtp(packet)! }));
    // Frames in order of arrival; each gets the last one's timestamp minus the frames after it.
    const frames = new Map<number, number>();
    for (const { rtp } of parsed) if (!frames.has(rtp.timestamp)) frames.set(rtp.timestamp, frames.size);
    const last = parsed.at(-1)!.rtp.timestamp;
    return parsed.map(({ packet, rtp }, i) => {
      const ts = (last - (frames.size - 1 - frames.get(rtp.timestamp)!)) >>> 0;
      packet.writeUInt32BE(ts, 4);
      return { packet, rtp: { ...rtp, timestamp: ts }, keyframe: i === 0 };
    });
  }
}
