/**
 * What one receiver was sent of each video kind, by its sequence number, to answer its NACKs at
 * this hop, and the budget those resends draw on: a link that loses a few percent is repaired
 * whole, but one that loses most (congested: its layer is about to go down) is not flooded with
 * resends of what it could not take the first time.
 */
import type { VideoKind } from '../../protocol/media.js';

/** ~2 s of video at 2.5 Mbit/s (per video kind); a NACK for anything older is too late to help anyway. */
const CACHE_SIZE = 512;
/** Resends may take at most this share of what went to the receiver first. */
const RESEND_SHARE = 0.25;
/** The resend budget saves up to this many bytes (a burst of loss on a quiet stream). */
const RESEND_BURST_BYTES = 64 * 1024;

export class ResendCache {
  /** made at each kind's first packet */
  readonly #sent = new Map<VideoKind, (Buffer | undefined)[]>();
  #budget = RESEND_BURST_BYTES;

  /** A packet as it went to the receiver (its sequence number at bytes 2–3); earns resend budget. */
  sent(kind: VideoKind, packet: Buffer): void {
    let cache = this.#sent.get(kind);
    if (!cache) this.#sent.set(kind, (cache = new Array(CACHE_SIZE)));
    cache[packet.readUInt16BE(2) % CACHE_SIZE] = packet;
    this.#budget = Math.min(RESEND_BURST_BYTES, this.#budget + packet.length * RESEND_SHARE);
  }

  /** Packet `seq` of `kind` as it was sent, while it is still here. */
  find(kind: VideoKind, seq: number): Buffer | undefined {
    const packet = this.#sent.get(kind)?.[seq % CACHE_SIZE];
    return packet && packet.readUInt16BE(2) === seq ? packet : undefined;
  }

  /** Pays for resending `bytes` from the budget; false when it cannot. */
  spend(bytes: number): boolean {
    if (this.#budget < bytes) return false;
    this.#budget -= bytes;
    return true;
  }

  clear(): void {
    this.#sent.clear();
  }
}
