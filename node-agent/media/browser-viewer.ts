/**
 * A page watching the class through its own agent: a BrowserLink on which the agent offers four
 * sendonly tracks (the camera's VP8 video and Opus audio in stream `camvid`, the shared screen's VP8
 * and Opus in stream `camvid-screen`; mid = the tree's kind, its payload types, random SSRCs), fed by the
 * MediaRelay as one more receiver once the page has connected. The relay's Downstream does for the
 * page what it does for a child: SSRC rewrite, a key frame on join (so the picture comes with the
 * next key frame the source is asked for, not the next periodic one), NACKs from its cache, a
 * bounded queue. RTCP from the page (PLI, NACK, receiver reports) goes to that Downstream.
 *
 * The viewer owns its link and removes itself from the relay when the link closes.
 */
import { randomInt } from 'node:crypto';
import { CODECS, PAYLOAD_TYPES, isVideoKind, type MediaKind } from '../../protocol/media.js';
import { BrowserLink, type BrowserSendTrack } from './browser-link.js';
import type { Downstream, MediaSink } from './downstream.js';

/** What a viewer needs of the relay (MediaRelay implements it). */
export interface SinkHost {
  /** a page is about to watch: its picture is asked for now, to be ready when the link opens */
  prepareSink(): void;
  addSink(sink: MediaSink): Downstream;
  removeSink(id: string): void;
}

const KINDS = ['video', 'audio', 'screen', 'screen-audio'] as const satisfies readonly MediaKind[];
/** The page plays each stream's tracks in sync: the camera with its microphone, the screen with its sound. */
const STREAMS: Record<(typeof KINDS)[number], string> = { video: 'camvid', audio: 'camvid', screen: 'camvid-screen', 'screen-audio': 'camvid-screen' };

export class BrowserViewer {
  readonly #ssrcs = new Map<MediaKind, number>();
  #downstream: Downstream | null = null;

  private constructor(
    readonly link: BrowserLink,
    ssrcs: Map<MediaKind, number>,
    private readonly relay: SinkHost,
  ) {
    this.#ssrcs = ssrcs;
    link.on('open', () => this.#start());
    link.on('media', (_mid, packet) => this.#downstream?.handleRtcp(packet));
    link.on('closed', () => this.#stop());
  }

  /** Opens a link for one page; resolves with the offer to hand to it. */
  static async open(id: string, relay: SinkHost): Promise<{ viewer: BrowserViewer; offer: string }> {
    const ssrcs = new Map<MediaKind, number>(KINDS.map((k) => [k, randomInt(1, 2 ** 32 - 1)]));
    const tracks: BrowserSendTrack[] = KINDS.map((kind) => ({
      mid: kind,
      kind: isVideoKind(kind) ? 'video' : 'audio',
      codec: CODECS[kind],
      payloadType: PAYLOAD_TYPES[kind],
      ssrc: ssrcs.get(kind)!,
      stream: STREAMS[kind],
    }));
    relay.prepareSink();
    const { link, offer } = await BrowserLink.offer(id, tracks);
    return { viewer: new BrowserViewer(link, ssrcs, relay), offer };
  }

  /** The relay's id of this receiver: `local:` keeps it out of the tree's child count and across rooms. */
  get sinkId(): string {
    return `local:${this.link.id}`;
  }

  get watching(): boolean {
    return this.#downstream !== null;
  }

  close(): void {
    this.link.close(); // → closed → #stop
  }

  #start(): void {
    const sink: MediaSink = {
      id: this.sinkId,
      ssrc: (kind) => this.#ssrcs.get(kind),
      send: (kind, packet) => this.link.send(kind, packet),
    };
    // Adding the sink gives it the latest picture the relay has (asked for when the link was
    // offered), or asks upstream for a key frame: the picture starts with it.
    this.#downstream = this.relay.addSink(sink);
  }

  #stop(): void {
    if (!this.#downstream) return;
    this.#downstream = null;
    this.relay.removeSink(this.sinkId);
  }
}
