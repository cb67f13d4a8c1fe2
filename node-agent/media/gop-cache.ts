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
  /** by `kind` or `kind/layer` */
  readonly #pictures = new Map<string, Picture | null>();

  /** One accepted packet of `kind` (of camera `layer`); `keyframe`: it starts a key frame. */
  push(kind: VideoKind, layer: number | undefined, packet: Buffer, keyframe: boolean, now: number): void {
    const key = keyOf(kind, layer);
    if (keyframe) return void this.#pictures.set(key, { at: now, packets: [Buffer.from(packet)] });
    const p = this.#pictures.get(key);
    if (!p) return;
    if (p.packets.length >= MAX_PACKETS) return void this.#pictures.set(key, null); // too long: wait for the next
    p.packets.push(Buffer.from(packet));
  }

  /** The kind's stream starts again (another source, another parent): nothing of it is kept. */
  clear(kind?: VideoKind): void {
    for (const key of [...this.#pictures.keys()]) if (kind === undefined || key.split('/')[0] === kind) this.#pictures.delete(key);
  }

  /** The packets to give a new page, timestamps pulled together; null when there is no fresh picture. */
  replay(kind: VideoKind, layer: number | undefined, now: number): Replayed[] | null {
    const p = this.#pictures.get(keyOf(kind, layer));
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

const keyOf = (kind: VideoKind, layer: number | undefined) => (layer === undefined ? kind : `${kind}/${layer}`);
