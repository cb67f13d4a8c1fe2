/**
 * The instructor's page as the room's camera: a `MediaSource` over a BrowserLink that accepted the
 * page's offer. RTP arrives by mid and goes to the relay by kind, with the payload type rewritten
 * to the tree's (the page chose its own numbers); the page's RTCP (its sender reports, which map
 * its RTP time to its NTP wall clock: what every receiver below needs for lip sync) goes to the
 * relay as it is, to be validated there and passed down like RTP. Anything else is passed on as
 * is for the relay to count and drop.
 *
 * The link's tracks have no libdatachannel media handler (it would swallow the sender reports), so
 * this source is the page's RTCP receiver itself: it answers each sender report with a receiver
 * report (loss from the sequence numbers it saw, LSR/DLSR so the page can measure the round trip),
 * turns the relay's key frame requests into PLIs, which Chromium answers at once, and sends a REMB.
 *
 * Bitrate: without transport-cc (protocol/sdp.ts) Chromium's sender estimates from receiver
 * reports alone and starts low; a REMB every REMB_INTERVAL_MS (and with every receiver report)
 * tells it how much it may use (Chromium forgets a REMB it has not heard again for a while).
 */
import { PAYLOAD_TYPES, ReceptionStats, buildPli, buildReceiverReport, buildRemb, isRtcpPacket, parseRtcp, senderReportNtpMiddle, type MediaKind, type VideoKind } from '../../protocol/media.js';
import type { SdpMedia, SdpMediaKind } from '../../protocol/sdp.js';
import type { BrowserLink } from './browser-link.js';
import type { MediaSource } from './media-relay.js';

/** Up to 720p at 30 fps in VP8; also what one relay was measured forwarding to 4 children. */
export const PUBLISH_BITRATE_BPS = 2_500_000;
/** The camera while a screen is shared: a thumbnail beside the screen, so the root's uplink stays bounded. */
export const THUMBNAIL_BITRATE_BPS = 200_000;
/** The shared screen: text at up to 1080p and a few frames a second (docs/media.md, docs/benchmarks.md). */
export const SCREEN_BITRATE_BPS = 1_500_000;
const REMB_INTERVAL_MS = 1000;
/** The SSRC our RTCP to the page is signed with (the page reads only the media SSRCs in it). */
const RECEIVER_SSRC = 1;

interface Received {
  media: SdpMedia;
  /** the tree's kind this section's packets go out as */
  kind: MediaKind;
  stats: ReceptionStats;
  /** simulcast: SSRC → its layer (the offer's SIM group, lowest first) and reception */
  layers?: Map<number, { layer: number; stats: ReceptionStats }>;
}

/** What the page's sections are in the tree: the camera's by default, the screen's for a share. */
export const CAMERA_KINDS: Readonly<Record<SdpMediaKind, MediaKind>> = { video: 'video', audio: 'audio' };
export const SCREEN_KINDS: Readonly<Record<SdpMediaKind, MediaKind>> = { video: 'screen', audio: 'screen-audio' };

export class BrowserSource implements MediaSource {
  readonly #byMid = new Map<string, Received>();
  readonly #videoMid: string | undefined;
  #remb: NodeJS.Timeout | null = null;
  #closed = false;

  /** `media`: the mids and payload types of the restricted offer the link accepted; `kinds`: what they are in the tree. */
  constructor(
    readonly link: BrowserLink,
    media: readonly SdpMedia[],
    private bitrateBps = PUBLISH_BITRATE_BPS,
    kinds: Readonly<Record<SdpMediaKind, MediaKind>> = CAMERA_KINDS,
  ) {
    for (const m of media) {
      const kind = kinds[m.kind];
      // Layers only for the camera: the tree forwards one stream of the screen.
      const layers = m.simulcast && kind === 'video' ? new Map(m.simulcast.ssrcs.map((ssrc, layer) => [ssrc, { layer, stats: new ReceptionStats() }])) : undefined;
      this.#byMid.set(m.mid, { media: m, kind, stats: new ReceptionStats(), ...(layers && { layers }) });
    }
    this.#videoMid = media.find((m) => m.kind === 'video')?.mid;
    if (this.#videoMid !== undefined) {
      const remb = () => this.#sendRemb();
      link.on('open', remb);
      this.#remb = setInterval(remb, REMB_INTERVAL_MS);
      this.#remb.unref();
    }
    link.on('closed', () => this.#stopRemb());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the page sends its camera in simulcast layers (its offer's SIM group). */
  get layered(): boolean {
    return [...this.#byMid.values()].some((r) => r.layers !== undefined);
  }

  /** What the page may send from now on (the REMB goes at once). */
  setBitrate(bps: number): void {
    if (bps === this.bitrateBps) return;
    this.bitrateBps = bps;
    this.#sendRemb();
  }

  attach(deliver: (kind: MediaKind, packet: Buffer, layer?: number) => void): void {
    this.link.on('media', (mid, packet) => {
      const r = this.#byMid.get(mid);
      if (!r || this.#closed) return;
      const m = r.media;
      if (isRtcpPacket(packet)) {
        const layer = this.#answerSenderReports(mid, r, packet);
        deliver(r.kind, packet, layer); // the relay validates it and passes the sender reports down
        return;
      }
      if (packet.length < 12) return deliver(r.kind, packet); // the relay counts it
      const ssrc = packet.readUInt32BE(8);
      const layer = r.layers?.get(ssrc)?.layer;
      if (r.layers && layer === undefined) return; // not one of the announced layers
      (layer === undefined ? r.stats : r.layers!.get(ssrc)!.stats).packet(ssrc, packet.readUInt16BE(2));
      if ((packet[1]! & 0x7f) === m.payloadType) packet[1] = (packet[1]! & 0x80) | PAYLOAD_TYPES[r.kind];
      deliver(r.kind, packet, layer);
    });
  }

  /**
   * This source has one video section, whichever kind the relay asks for. With layers, a PLI for
   * `layer` only when given (a receiver switching to it: the other layers' receivers need none),
   * else for each.
   */
  requestKeyframe(_kind?: VideoKind, layer?: number): void {
    if (this.#videoMid === undefined) return;
    const r = this.#byMid.get(this.#videoMid)!;
    const only = layer === undefined || !r.layers ? undefined : [...r.layers].find(([, l]) => l.layer === layer)?.[0];
    // Before the first video packet there is nothing to address; the page starts with a key frame.
    for (const ssrc of only === undefined ? this.#videoSsrcs() : [only]) this.link.send(this.#videoMid, buildPli(RECEIVER_SSRC, ssrc));
  }

  #videoSsrcs(): number[] {
    const r = this.#videoMid === undefined ? undefined : this.#byMid.get(this.#videoMid);
    if (!r) return [];
    if (r.layers) return [...r.layers].filter(([, l]) => l.stats.ssrc !== undefined).map(([ssrc]) => ssrc);
    return r.stats.ssrc === undefined ? [] : [r.stats.ssrc];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRemb();
    this.link.close();
  }

  /**
   * A receiver report for each sender report about a stream on `mid` (and a REMB with video's).
   * Returns the simulcast layer the (last) sender report is about, if the section has layers.
   */
  #answerSenderReports(mid: string, r: Received, packet: Buffer): number | undefined {
    const rtcp = parseRtcp(packet);
    if (!rtcp) return undefined; // the relay counts it
    let layer: number | undefined;
    for (const sr of rtcp.senderReports) {
      const l = r.layers?.get(sr.ssrc);
      const stats = r.layers ? l?.stats : sr.ssrc === r.stats.ssrc ? r.stats : undefined;
      if (!stats) continue;
      layer = l?.layer;
      const now = performance.now();
      stats.senderReport(senderReportNtpMiddle(packet, sr.offset), now);
      const block = stats.block(now);
      if (block) this.link.send(mid, buildReceiverReport(RECEIVER_SSRC, block));
      if (mid === this.#videoMid) this.#sendRemb();
    }
    return layer;
  }

  #sendRemb(): void {
    if (this.#videoMid === undefined) return;
    this.link.send(this.#videoMid, buildRemb(RECEIVER_SSRC, this.bitrateBps, this.#videoSsrcs()));
  }

  #stopRemb(): void {
    if (this.#remb) clearInterval(this.#remb);
    this.#remb = null;
  }
}
