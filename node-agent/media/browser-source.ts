/**
 * The instructor's page as the room's camera: a `MediaSource` over a BrowserLink that accepted the
 * page's offer. RTP arrives by mid and goes to the relay by kind, with the payload type rewritten
 * to the tree's (the page chose its own numbers); anything else is passed on as is for the relay
 * to count and drop. A key frame request from the tree becomes a PLI to the page.
 *
 * Bitrate: without transport-cc (protocol/sdp.ts) Chromium's sender estimates from receiver
 * reports alone and starts low; a REMB every REMB_INTERVAL_MS tells it how much it may use
 * (Chromium forgets a REMB it has not heard again for a while).
 */
import { PAYLOAD_TYPES, isRtcpPacket, type MediaKind } from '../../protocol/media.js';
import type { SdpMedia } from '../../protocol/sdp.js';
import type { BrowserLink } from './browser-link.js';
import type { MediaSource } from './media-relay.js';

/** Up to 720p at 30 fps in VP8; also what one relay was measured forwarding to 4 children. */
export const PUBLISH_BITRATE_BPS = 2_500_000;
const REMB_INTERVAL_MS = 1000;

export class BrowserSource implements MediaSource {
  readonly #byMid = new Map<string, SdpMedia>();
  readonly #videoMid: string | undefined;
  #remb: NodeJS.Timeout | null = null;
  #closed = false;

  /** `media`: the mids and payload types of the restricted offer the link accepted. */
  constructor(
    readonly link: BrowserLink,
    media: readonly SdpMedia[],
    private readonly bitrateBps = PUBLISH_BITRATE_BPS,
  ) {
    for (const m of media) this.#byMid.set(m.mid, m);
    this.#videoMid = media.find((m) => m.kind === 'video')?.mid;
    if (this.#videoMid !== undefined) {
      const remb = () => this.link.requestBitrate(this.#videoMid!, this.bitrateBps);
      link.on('open', remb);
      this.#remb = setInterval(remb, REMB_INTERVAL_MS);
      this.#remb.unref();
    }
    link.on('closed', () => this.#stopRemb());
  }

  get closed(): boolean {
    return this.#closed;
  }

  attach(deliver: (kind: MediaKind, packet: Buffer) => void): void {
    this.link.on('media', (mid, packet) => {
      const m = this.#byMid.get(mid);
      // RTCP from the page (sender reports) stays on this hop: the RTCP session consumes it.
      if (!m || this.#closed || isRtcpPacket(packet)) return;
      if (packet.length >= 2 && (packet[1]! & 0x7f) === m.payloadType) packet[1] = (packet[1]! & 0x80) | PAYLOAD_TYPES[m.kind];
      deliver(m.kind, packet);
    });
  }

  requestKeyframe(): void {
    if (this.#videoMid !== undefined) this.link.requestKeyframe(this.#videoMid);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRemb();
    this.link.close();
  }

  #stopRemb(): void {
    if (this.#remb) clearInterval(this.#remb);
    this.#remb = null;
  }
}
