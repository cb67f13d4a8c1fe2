/**
 * One loopback PeerConnection between this agent and its own browser page, for media only (no
 * data channels): either the page sends (the instructor's camera: `accept` its offer) or the
 * agent sends (a page watching the class: `offer` sendonly tracks). It knows tracks by mid and
 * carries raw RTP/RTCP; what flows on it is the owner's business (the camera source, a viewer,
 * the podcast), so it is not tied to video.
 *
 * Bound to 127.0.0.1: the page is on this machine, and a page that never opened a camera hides
 * its own addresses behind `.local` names, so ICE connects only because our candidates are plain
 * addresses (peer-reflexive on the page's side). Descriptions go whole, with every candidate
 * (gathering on loopback takes a few ms): one request and one reply, no trickle.
 *
 * The link owns its PeerConnection and timers; it closes itself when the page does not connect
 * in time or the connection fails, and reports why once through `closed`.
 */
import nodeDataChannel, { type Audio, type PeerConnection, type Track, type Video } from 'node-datachannel';
import { CamvidError } from '../../protocol/errors.js';
import { checkSdp } from '../../protocol/sdp.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';

const log = createLogger('agent:browser-link');
/** Chromium connects on loopback in ~200 ms; a page that has not after this never will. */
export const BROWSER_CONNECT_TIMEOUT_MS = 8000;
/** Loopback gathering takes a few ms; past this the description goes with what it has. */
const GATHER_TIMEOUT_MS = 2000;
const LOOPBACK = '127.0.0.1';
const ACCEPT_ATTEMPTS = 2;
const MEDIA_CNAME = 'camvid';

export type BrowserLinkCloseReason = 'closed' | 'timeout' | 'failed';

/** A track the agent sends to the page. */
export interface BrowserSendTrack {
  mid: string;
  kind: 'video' | 'audio';
  codec: 'VP8' | 'opus';
  payloadType: number;
  ssrc: number;
  /** the page's MediaStream id (msid) for the track: tracks of one stream are played in sync; default `camvid` */
  stream?: string;
}

export type BrowserLinkEvents = {
  /** every track is open: media can flow */
  open: [];
  /** a packet from the page: RTP on a track it sends, RTCP feedback on a track we send */
  media: [mid: string, packet: Buffer];
  closed: [reason: BrowserLinkCloseReason];
};

export class BrowserLink extends TypedEmitter<BrowserLinkEvents> {
  readonly #pc: PeerConnection;
  readonly #tracks = new Map<string, Track>();
  readonly #connectTimer: NodeJS.Timeout;
  #gatherTimer: NodeJS.Timeout | undefined;
  #gatherDone: () => void = () => {};
  readonly #gathered: Promise<void>;
  #open = false;
  #closed = false;

  private constructor(readonly id: string) {
    super();
    this.#pc = new nodeDataChannel.PeerConnection(`browser-${id}`, { iceServers: [], bindAddress: LOOPBACK });
    this.#gathered = new Promise<void>((resolve) => {
      this.#gatherDone = () => {
        clearTimeout(this.#gatherTimer);
        resolve();
      };
    });
    this.#gatherTimer = setTimeout(this.#gatherDone, GATHER_TIMEOUT_MS);
    this.#pc.onGatheringStateChange((state) => {
      if (state === 'complete') this.#gatherDone();
    });
    this.#pc.onStateChange((state) => {
      log.debug(`${id} state ${state}`);
      if (state === 'connected') this.#maybeOpen();
      else if (state === 'failed' || state === 'closed') this.close('failed');
    });
    this.#connectTimer = setTimeout(() => this.close('timeout'), BROWSER_CONNECT_TIMEOUT_MS);
  }

  /**
   * The page offers its tracks (send-only on its side): answers with a receiving track per media
   * section. The tracks have no media handler: RTP and RTCP from the page (its sender reports too)
   * reach `media` as they are, and the owner sends its own RTCP (receiver reports, PLI, REMB) with
   * `send` (BrowserSource). libdatachannel's RtcpReceivingSession would answer for it, but it
   * consumes every RTCP packet, the sender reports lip sync needs downstream among them.
   * `offer` must already be restricted to what the owner can forward (protocol/sdp.ts). Throws
   * BAD_MESSAGE for an offer libdatachannel refuses.
   */
  static async accept(id: string, offer: string): Promise<{ link: BrowserLink; answer: string }> {
    for (let attempt = 1; ; attempt++) {
      const link = new BrowserLink(id);
      link.#pc.onTrack((track) => {
        if (link.#closed || link.#tracks.has(track.mid())) return void track.close();
        link.#watch(track.mid(), track);
      });
      try {
        link.#apply(() => link.#pc.setRemoteDescription(offer, 'offer' as never));
      } catch (err) {
        // libdatachannel now and then fails a good offer ("Got a remote candidate without ICE
        // transport", about 3 in 63 here); a fresh PeerConnection takes it. A bad offer fails twice.
        if (attempt >= ACCEPT_ATTEMPTS) throw err;
        log.debug(`${id}: ${(err as Error).message}; trying a fresh connection`);
        continue;
      }
      return { link, answer: await link.#localSdp() };
    }
  }

  /** The agent offers `tracks` to the page (send-only on our side, each SSRC announced). */
  static async offer(id: string, tracks: readonly BrowserSendTrack[]): Promise<{ link: BrowserLink; offer: string }> {
    const started = performance.now();
    const link = new BrowserLink(id);
    const made = performance.now();
    try {
      for (const t of tracks) {
        let media: Video | Audio;
        if (t.kind === 'video') {
          const video = new nodeDataChannel.Video(t.mid, 'SendOnly');
          video.addVP8Codec(t.payloadType);
          media = video;
        } else {
          const audio = new nodeDataChannel.Audio(t.mid, 'SendOnly');
          audio.addOpusCodec(t.payloadType);
          media = audio;
        }
        media.addSSRC(t.ssrc, MEDIA_CNAME, t.stream ?? MEDIA_CNAME, t.mid);
        link.#watch(t.mid, link.#pc.addTrack(media));
      }
      link.#pc.setLocalDescription();
    } catch (err) {
      link.close('failed'); // nobody has the link yet
      throw err;
    }
    const described = performance.now();
    const offer = await link.#localSdp();
    // Where a page's wait for its offer goes (docs/media.md; `npm run bench -- watch-link` reads it).
    const ready = performance.now();
    const ms = (a: number, b: number) => (b - a).toFixed(1);
    log.debug(`${id} offer ready in ${ms(started, ready)} ms: PeerConnection ${ms(started, made)}, tracks + description ${ms(made, described)}, gathering ${ms(described, ready)}`);
    return { link, offer };
  }

  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** The page's answer to `offer()`; throws BAD_MESSAGE (and closes the link) if it is refused. */
  acceptAnswer(sdp: unknown): void {
    if (this.#closed) throw new CamvidError('CLOSED', 'That media connection is already closed.');
    const checked = checkSdp(sdp);
    this.#apply(() => this.#pc.setRemoteDescription(checked, 'answer' as never));
  }

  /**
   * One raw RTP/RTCP packet on the track `mid`; false when it cannot go out now. RTCP may go on a
   * track of either direction (a track without a media handler takes it as control).
   */
  send(mid: string, packet: Buffer): boolean {
    const track = this.#tracks.get(mid);
    if (!track || !this.#open || this.#closed) return false;
    try {
      return track.sendMessageBinary(packet);
    } catch {
      return false; // closing
    }
  }

  close(reason: BrowserLinkCloseReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#gatherDone();
    for (const track of this.#tracks.values()) {
      try {
        track.close();
      } catch {
        /* already closed */
      }
    }
    try {
      this.#pc.close();
    } catch {
      /* already closed */
    }
    log.debug(`${this.id} closed: ${reason}`);
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  #watch(mid: string, track: Track): void {
    this.#tracks.set(mid, track);
    track.onOpen(() => this.#maybeOpen());
    track.onMessage((msg) => {
      if (!this.#closed) this.emit('media', mid, msg);
    });
  }

  #maybeOpen(): void {
    if (this.#open || this.#closed || this.#tracks.size === 0) return;
    for (const t of this.#tracks.values()) if (!t.isOpen()) return;
    this.#open = true;
    clearTimeout(this.#connectTimer);
    this.emit('open');
  }

  /** Applies a remote description; libdatachannel throws on anything it cannot use. */
  #apply(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.close('failed');
      throw new CamvidError('BAD_MESSAGE', `The page's media description was refused: ${(err as Error).message}`);
    }
  }

  async #localSdp(): Promise<string> {
    await this.#gathered;
    const sdp = this.#pc.localDescription()?.sdp;
    if (this.#closed || !sdp) {
      this.close('failed'); // `accept` and `offer` have not handed the link to anyone yet
      throw new CamvidError('CLOSED', 'The media connection closed while it was being set up.');
    }
    return sdp;
  }
}
