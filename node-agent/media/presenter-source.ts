/**
 * A presenting student's screen as the host relay's `screen` source: the host's end of a `present`
 * edge (protocol/present.ts), on which the student's agent sends `screen` and `screen-audio` RTP and
 * their sender reports, SSRCs as its offer announced. The relay validates every packet as it does a
 * parent's; this source turns the relay's key frame requests into PLIs up the edge (the student's
 * agent asks its page), and holds the student to a byte budget: an honest page sends at most
 * SCREEN_BITRATE_BPS (its agent's REMB says so), a modified agent could send far more and every
 * relay in the class would carry it, so beyond twice that (with a key frame's burst) packets are
 * dropped and counted.
 *
 * The relay owns this source once set; closing it closes the edge.
 */
import { buildPli, type MediaKind, type VideoKind } from '../../protocol/media.js';
import { PRESENT_KINDS, type PeerLink } from '../overlay/peer-link.js';
import { SCREEN_BITRATE_BPS } from './browser-source.js';
import type { MediaSource } from './media-relay.js';

/** Bytes a second a presenter may send: twice what its page is told. */
export const PRESENT_RATE_BYTES = (2 * SCREEN_BITRATE_BPS) / 8;
/** A 1080p key frame of text and its sound fit (they are ~100–300 KB). */
export const PRESENT_BURST_BYTES = 512 * 1024;
/** The SSRC the host signs its PLIs with (the student's agent reads only the media SSRC). */
const FEEDBACK_SSRC = 1;

export class PresenterSource implements MediaSource {
  /** packets beyond the byte budget, dropped */
  dropped = 0;
  #tokens = PRESENT_BURST_BYTES;
  #at = performance.now();
  #off: (() => void) | null = null;
  #closed = false;

  constructor(readonly link: PeerLink) {}

  get closed(): boolean {
    return this.#closed;
  }

  attach(deliver: (kind: MediaKind, packet: Buffer) => void): void {
    this.#off?.();
    this.#off = this.link.on('media', (kind, packet) => {
      if (!(PRESENT_KINDS as readonly MediaKind[]).includes(kind)) return;
      if (this.#take(packet.length)) deliver(kind, packet);
      else this.dropped++;
    });
  }

  requestKeyframe(kind: VideoKind): void {
    const ssrc = this.link.remoteSsrc(kind);
    if (ssrc !== undefined) this.link.sendMedia(kind, buildPli(FEEDBACK_SSRC, ssrc));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#off?.();
    this.link.close();
  }

  #take(bytes: number): boolean {
    const now = performance.now();
    this.#tokens = Math.min(PRESENT_BURST_BYTES, this.#tokens + ((now - this.#at) / 1000) * PRESENT_RATE_BYTES);
    this.#at = now;
    if (this.#tokens < bytes) return false;
    this.#tokens -= bytes;
    return true;
  }
}
