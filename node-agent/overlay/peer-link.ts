/**
 * One edge of the relay tree: one node-datachannel PeerConnection with the data channels `ctl`
 * (reliable, ordered), `bulk` (reliable, binary) and `lab` (unordered, no retransmits). The parent
 * end offers and creates the channels; the child end answers. Signalling goes through `signal`
 * events and `handleSignal()`; the owner carries them over the session with the host.
 *
 * The link owns its PeerConnection and timers: it closes itself on connect timeout, on a lost
 * heartbeat or when the PeerConnection fails, and reports why once through `closed`.
 *
 * Media (tree edges only): the parent end adds sendonly tracks (VP8 video, Opus audio, Opus
 * podcast, VP8 screen, Opus screen-audio; mid = kind) before its first offer, each with a random SSRC declared in the SDP, since
 * libdatachannel routes incoming RTP to a track only by an SSRC the SDP announced. The child end
 * receives them. Whatever arrives on a track (RTP on the child end, RTCP feedback on the parent
 * end) is emitted as `media`; `sendMedia` sends raw RTP/RTCP. Forwarding is node-agent/media's job.
 * A `present` edge (a student's screen up to the host, protocol/present.ts) is the same the other
 * way up: its offering end (the student) sends PRESENT_KINDS, and the host's end takes only those.
 */
import { randomInt } from 'node:crypto';
import nodeDataChannel, { type Audio, type DataChannel, type PeerConnection, type Track, type Video } from 'node-datachannel';
import { ctlMessage, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, TREE_CHECK_MS, TREE_SILENCE_FLOOR_MS, type CtlMessage } from '../../protocol/ctl.js';
import { CamvidError } from '../../protocol/errors.js';
import { isMediaKind, isVideoKind, MEDIA_KINDS, PAYLOAD_TYPES, type MediaKind } from '../../protocol/media.js';
import { MAX_SIMULCAST_LAYERS } from '../../protocol/sdp.js';
import type { SignalData } from '../../protocol/session.js';
import { parseJson } from '../../protocol/validate.js';
import { MAX_CTL_MESSAGE_BYTES } from '../../protocol/version.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import { SilenceClock } from './silence-clock.js';
import { everyTick } from './shared-ticker.js';

const log = createLogger('agent:link');
/** node-datachannel connects in ~200 ms on a LAN; a link not up after this is retried by the host. */
export const CONNECT_TIMEOUT_MS = 5000;
export const CHANNEL_LABELS = ['ctl', 'bulk', 'lab'] as const;
/**
 * The path MTU for edges inside one LAN (Ethernet and Wi-Fi carry 1500-byte IP packets).
 * libdatachannel's default, 1280, is the safe value for unknown paths (RFC 8261 §5); on a LAN it
 * only costs packets: every SCTP packet is a DTLS record, a UDP send and a receive wake-up, and those
 * per-packet costs (mostly in the kernel) bound a transfer on a 2-core machine. 1500 sends 17 % fewer
 * packets: one loopback transfer went from 22.6–23.0 to 25.1–28.8 MB/s and from 7.4–7.6 to 5.9–6.7
 * CPU-s per 100 MB. Rooms that may span the Internet (the swarm) keep 1280.
 */
export const LAN_MTU = 1500;
export type ChannelLabel = (typeof CHANNEL_LABELS)[number];
/**
 * The remote candidates one edge takes (a laptop has a few per interface; ICE learns any other
 * address from the checks themselves): more are dropped and counted, so a peer's flood onto its own
 * planned edge costs a bounded queue before the description and nothing after it. Below libjuice's
 * own table (~20): with 21 unreachable candidates before the description an edge took 1 s to
 * connect, with 31 it never did (its peer-reflexive pair found no room); with 16, ~1 s
 * (test/unit/peer-link-candidates).
 */
export const MAX_REMOTE_CANDIDATES = 16;

export type LinkEnd = 'parent' | 'child';
export type EdgeKind = 'tree' | 'direct' | 'present';
/** What a `present` edge carries, from its offering end (the presenting student) to the host. */
export const PRESENT_KINDS = ['screen', 'screen-audio'] as const satisfies readonly MediaKind[];

/** The tracks the offering end of a `kind` edge sends (nothing on a direct edge). */
function sentKinds(kind: EdgeKind): readonly MediaKind[] {
  return kind === 'tree' ? MEDIA_KINDS : kind === 'present' ? PRESENT_KINDS : [];
}
export type LinkCloseReason = 'closed' | 'timeout' | 'lost' | 'failed';

export interface PeerLinkOptions {
  edge: string;
  /** which end of the edge this side is */
  end: LinkEnd;
  /** the peer at the other end */
  peerId: string;
  /** a tree edge, a direct edge between two members (labs), or a student's screen up to the host */
  kind?: EdgeKind;
  /** local address to gather candidates on (e.g. 127.0.0.1 in tests); default all interfaces */
  bindAddress?: string;
  iceServers?: string[];
  /** the IP path MTU SCTP may fill (LAN_MTU on a LAN); absent = libdatachannel's safe 1280 */
  mtu?: number;
}

export type PeerLinkEvents = {
  signal: [data: SignalData];
  open: [];
  ctl: [message: CtlMessage];
  bulk: [data: Buffer];
  lab: [data: Buffer];
  /** a packet that arrived on a media track: RTP on the child end, RTCP on the parent end */
  media: [kind: MediaKind, packet: Buffer];
  closed: [reason: LinkCloseReason];
};

/** What a quiet tree edge sends on `lab` (labs use only direct edges, so nothing else comes there). */
const KEEPALIVE = Buffer.from([0]);
const msgLength = (msg: string | Buffer | ArrayBuffer) => (typeof msg === 'string' ? Buffer.byteLength(msg) : msg.byteLength);

/** The cname every agent announces for its sendonly tracks (one media stream, for lip sync). */
const MEDIA_CNAME = 'camvid';

export class PeerLink extends TypedEmitter<PeerLinkEvents> {
  /** inbound messages dropped because they failed validation */
  rejected = 0;
  /** remote candidates dropped past MAX_REMOTE_CANDIDATES */
  droppedCandidates = 0;
  #remoteCandidates = 0;
  readonly #pc: PeerConnection;
  readonly #channels = new Map<ChannelLabel, DataChannel>();
  /** remote candidates that came before the remote description */
  readonly #pendingCandidates: { candidate: string; mid: string }[] = [];
  /** our candidates, held at the offering end until the answer is applied */
  readonly #heldCandidates: { candidate: string; mid: string }[] = [];
  readonly #tracks = new Map<MediaKind, Track>();
  /** SSRCs this end announced for its sendonly tracks (parent end): a tree edge's camera one per simulcast layer */
  readonly #localSsrcs = new Map<MediaKind, number[]>();
  /** SSRCs the other end announced in its offer (child end), in its order */
  readonly #remoteSsrcs = new Map<MediaKind, number[]>();
  #hasRemote = false;
  #open = false;
  #closed = false;
  #silence = new SilenceClock(Date.now());
  /** stops this link's beat (shared-ticker.ts) */
  #stopBeat: (() => void) | null = null;
  #beats = 0;
  #fast = false;
  /** when this end last sent anything (a tree edge sends a keepalive after TREE_CHECK_MS of nothing) */
  #lastSentAt = 0;
  /** why the link was lost, when its heartbeat judged it so (for logs and figures) */
  lostAfter: { silentMs: number; limitMs: number } | null = null;
  readonly #connectTimer: NodeJS.Timeout;

  constructor(readonly opts: PeerLinkOptions) {
    super();
    this.#pc = new nodeDataChannel.PeerConnection(opts.edge, {
      iceServers: opts.iceServers ?? [],
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
      ...(opts.mtu ? { mtu: opts.mtu } : {}),
    });
    this.#pc.onLocalDescription((sdp, type) => {
      const kind = type.toLowerCase() === 'offer' ? 'offer' : 'answer';
      this.#emitSignal({ kind, sdp: kind === 'offer' ? sdp.replace(/a=setup:actpass/g, 'a=setup:active') : sdp });
    });
    this.#pc.onLocalCandidate((candidate, mid) => {
      log.debug(`${opts.edge} local candidate ${candidate}`);
      // The offering end tells its addresses once the answer is applied (protocol/sdp.ts
      // takeCandidates: a peer checking us before that can fail the DTLS certificate check).
      if (opts.end === 'parent' && !this.#hasRemote) this.#heldCandidates.push({ candidate, mid });
      else this.#emitSignal({ kind: 'candidate', candidate, mid });
    });
    this.#pc.onStateChange((state) => {
      log.debug(`${opts.edge} state ${state}`);
      if (state === 'failed' || state === 'closed') this.close(state === 'failed' ? 'failed' : 'lost');
    });
    // Tracks first: the first createDataChannel starts the offer, which must already carry them.
    if (opts.end === 'parent') for (const kind of sentKinds(opts.kind ?? 'tree')) this.#addSendTrack(kind);
    if (opts.end === 'parent') {
      this.#adopt(this.#pc.createDataChannel('ctl'));
      this.#adopt(this.#pc.createDataChannel('bulk'));
      this.#adopt(this.#pc.createDataChannel('lab', { unordered: true, maxRetransmits: 0 }));
    } else {
      this.#pc.onDataChannel((dc) => this.#adopt(dc));
      this.#pc.onTrack((track) => this.#adoptTrack(track));
    }
    this.#connectTimer = setTimeout(() => this.close('timeout'), CONNECT_TIMEOUT_MS);
  }

  get edge(): string {
    return this.opts.edge;
  }
  get peerId(): string {
    return this.opts.peerId;
  }
  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** The data channel with this label, once open (for features that stream on it). */
  channel(label: ChannelLabel): DataChannel | undefined {
    return this.#open ? this.#channels.get(label) : undefined;
  }

  /** The SSRC this end sends `kind` with (parent end of a tree edge), or undefined; for the camera, its lowest layer's. */
  localSsrc(kind: MediaKind): number | undefined {
    return this.#localSsrcs.get(kind)?.[0];
  }

  /**
   * Every SSRC this end announced for `kind`: on a tree edge the camera's has one per simulcast
   * layer, lowest first (docs/media.md, "Simulcast through relays").
   */
  localSsrcs(kind: MediaKind): readonly number[] {
    return this.#localSsrcs.get(kind) ?? [];
  }

  /** The SSRC the parent announced for `kind` (child end), or undefined; for the camera, its lowest layer's. */
  remoteSsrc(kind: MediaKind): number | undefined {
    return this.#remoteSsrcs.get(kind)?.[0];
  }

  /** Every SSRC the parent announced for `kind`, in its order (the camera's: one per layer, lowest first). */
  remoteSsrcs(kind: MediaKind): readonly number[] {
    return this.#remoteSsrcs.get(kind) ?? [];
  }

  /** Sends one raw RTP or RTCP packet on the `kind` track; false when it cannot go out now. */
  sendMedia(kind: MediaKind, packet: Buffer): boolean {
    const track = this.#tracks.get(kind);
    if (!track || this.#closed) return false;
    try {
      this.#lastSentAt = Date.now();
      return track.sendMessageBinary(packet);
    } catch {
      return false; // not open yet, or closing
    }
  }

  handleSignal(data: SignalData): void {
    if (this.#closed) return;
    try {
      if ((data.kind === 'offer' || data.kind === 'answer') && data.sdp) {
        if (data.kind === 'offer' && this.opts.end !== 'child') throw new Error('offer sent to the offering end');
        if (data.kind === 'offer') this.#readRemoteSsrcs(data.sdp);
        this.#pc.setRemoteDescription(data.sdp, data.kind === 'offer' ? 'offer' as never : 'answer' as never);
        this.#hasRemote = true;
        // A candidate can arrive before the description; it waited here until now.
        for (const c of this.#pendingCandidates.splice(0)) this.#pc.addRemoteCandidate(c.candidate, c.mid);
        for (const c of this.#heldCandidates.splice(0)) this.#emitSignal({ kind: 'candidate', ...c });
      } else if (data.kind === 'candidate' && data.candidate !== undefined) {
        if (this.#remoteCandidates >= MAX_REMOTE_CANDIDATES) {
          if (this.droppedCandidates++ === 0) log.warn(`${this.edge}: more than ${MAX_REMOTE_CANDIDATES} candidates from ${this.peerId}; dropping the rest`);
          return;
        }
        this.#remoteCandidates++;
        const c = { candidate: data.candidate, mid: data.mid ?? '0' };
        if (!this.#hasRemote) this.#pendingCandidates.push(c);
        else this.#pc.addRemoteCandidate(c.candidate, c.mid);
      }
    } catch (err) {
      // libdatachannel throws on a malformed SDP or candidate: that edge is broken, not the agent.
      log.warn(`${this.edge}: bad signal (${(err as Error).message}); closing the edge`);
      this.close('failed');
    }
  }

  sendCtl(message: CtlMessage): boolean {
    const dc = this.channel('ctl');
    if (!dc) return false;
    try {
      this.#lastSentAt = Date.now();
      return dc.sendMessage(JSON.stringify(message));
    } catch {
      return false;
    }
  }

  close(reason: LinkCloseReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#stopBeat?.();
    for (const track of this.#tracks.values()) {
      try {
        track.close();
      } catch {
        /* already closed */
      }
    }
    for (const dc of this.#channels.values()) {
      try {
        dc.close();
      } catch {
        /* already closed */
      }
    }
    try {
      this.#pc.close();
    } catch {
      /* already closed */
    }
    log.debug(`${this.edge} closed: ${reason}`);
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  #emitSignal(data: SignalData): void {
    if (!this.#closed) this.emit('signal', data);
  }

  #addSendTrack(kind: MediaKind): void {
    // The camera on a tree edge: one SSRC per simulcast layer (each its own numbering and SRTP
    // replay window); libdatachannel routes every SSRC a description announces to its track.
    const count = kind === 'video' && (this.opts.kind ?? 'tree') === 'tree' ? MAX_SIMULCAST_LAYERS : 1;
    const ssrcs = new Set<number>();
    while (ssrcs.size < count) ssrcs.add(randomInt(1, 2 ** 32 - 1));
    const pt = PAYLOAD_TYPES[kind];
    let media: Video | Audio;
    if (isVideoKind(kind)) {
      const video = new nodeDataChannel.Video(kind, 'SendOnly');
      video.addVP8Codec(pt);
      media = video;
    } else {
      const audio = new nodeDataChannel.Audio(kind, 'SendOnly');
      audio.addOpusCodec(pt);
      media = audio;
    }
    for (const ssrc of ssrcs) media.addSSRC(ssrc, MEDIA_CNAME, 'camvid', kind);
    const track = this.#pc.addTrack(media);
    this.#localSsrcs.set(kind, [...ssrcs]);
    this.#watchTrack(kind, track);
  }

  /** Child end: a track the parent offered. Anything but the kinds this kind of edge carries is refused. */
  #adoptTrack(track: Track): void {
    const kind = track.mid();
    if (!isMediaKind(kind) || !sentKinds(this.opts.kind ?? 'tree').includes(kind) || this.#tracks.has(kind)) {
      track.close();
      return;
    }
    this.#watchTrack(kind, track);
  }

  #watchTrack(kind: MediaKind, track: Track): void {
    this.#tracks.set(kind, track);
    track.onMessage((msg) => {
      if (this.#closed) return;
      this.#silence.heard(Date.now());
      this.emit('media', kind, msg);
    });
  }

  /** `a=ssrc:` lines per mid of the parent's offer, so a child can address feedback before any RTP. */
  #readRemoteSsrcs(sdp: string): void {
    let mid: string | null = null;
    for (const line of sdp.split(/\r?\n/)) {
      if (line.startsWith('m=')) mid = null;
      else if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
      const m = /^a=ssrc:(\d+) /.exec(line);
      if (!m || !isMediaKind(mid)) continue;
      const ssrcs = this.#remoteSsrcs.get(mid) ?? [];
      const ssrc = Number(m[1]) >>> 0;
      // Each SSRC has several a=ssrc lines; a parent may announce at most one per layer.
      if (!ssrcs.includes(ssrc) && ssrcs.length < MAX_SIMULCAST_LAYERS) this.#remoteSsrcs.set(mid, [...ssrcs, ssrc]);
    }
  }

  #adopt(dc: DataChannel): void {
    const label = dc.getLabel() as ChannelLabel;
    if (!CHANNEL_LABELS.includes(label) || this.#channels.has(label)) {
      dc.close(); // a peer opening channels we do not speak
      return;
    }
    this.#channels.set(label, dc);
    dc.onOpen(() => this.#maybeOpen());
    dc.onClosed(() => this.close('lost'));
    dc.onError(() => this.close('lost'));
    dc.onMessage((msg) => this.#onMessage(label, msg));
    if (dc.isOpen()) this.#maybeOpen();
  }

  #maybeOpen(): void {
    if (this.#open || this.#closed) return;
    if (CHANNEL_LABELS.some((l) => !this.#channels.get(l)?.isOpen())) return;
    this.#open = true;
    clearTimeout(this.#connectTimer);
    const tree = this.#isTree;
    this.#silence = new SilenceClock(Date.now(), tree ? { floorMs: this.#floor(), tickMs: TREE_CHECK_MS } : {});
    this.#stopBeat = everyTick(tree ? TREE_CHECK_MS : HEARTBEAT_INTERVAL_MS, () => this.#beat());
    this.emit('open');
  }

  /**
   * Child end of a tree edge: judge the parent lost after TREE_SILENCE_FLOOR_MS of silence (stretched
   * by its recent gaps) instead of HEARTBEAT_TIMEOUT_MS. Worth its false losses only where losing is
   * cheap: the owner turns it on while a warm standby parent is up to switch to.
   */
  set fastSilence(on: boolean) {
    this.#fast = on;
    this.#silence.floorMs = this.#floor();
  }

  #floor(): number {
    return this.#fast && this.#isTree && this.opts.end === 'child' ? TREE_SILENCE_FLOOR_MS : HEARTBEAT_TIMEOUT_MS;
  }

  get #isTree(): boolean {
    return (this.opts.kind ?? 'tree') === 'tree';
  }

  #beat(): void {
    const now = Date.now();
    const { silentMs, lost, heldUpMs } = this.#silence.tick(now);
    if (heldUpMs > 200) log.debug(`${this.opts.edge}: this agent was held up ${heldUpMs} ms; not counted as the peer's silence`);
    if (lost) {
      this.lostAfter = { silentMs, limitMs: Math.round(this.#silence.limitMs) };
      log.debug(`${this.opts.edge}: nothing heard for ${silentMs} ms (limit ${this.lostAfter.limitMs} ms)`);
      this.close('lost');
      return;
    }
    const tree = this.#isTree;
    // Pings every HEARTBEAT_INTERVAL_MS (a tree edge's beat is shorter); a quiet parent end keeps alive.
    if (!tree || ++this.#beats % Math.round(HEARTBEAT_INTERVAL_MS / TREE_CHECK_MS) === 0) this.sendCtl({ type: 'ping', t: now });
    else if (this.opts.end === 'parent' && now - this.#lastSentAt >= TREE_CHECK_MS) this.#keepalive();
  }

  #keepalive(): void {
    const dc = this.channel('lab');
    try {
      if (dc?.sendMessageBinary(KEEPALIVE)) this.#lastSentAt = Date.now();
    } catch {
      /* closing */
    }
  }

  #onMessage(label: ChannelLabel, msg: string | Buffer | ArrayBuffer): void {
    if (this.#closed) return;
    this.#silence.heard(Date.now());
    if (label !== 'ctl') {
      if (label === 'lab' && this.#isTree && msgLength(msg) === KEEPALIVE.length) return; // only a keepalive
      const buf = Buffer.isBuffer(msg) ? msg : typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg);
      this.emit(label, buf);
      return;
    }
    let message: CtlMessage;
    try {
      if (typeof msg !== 'string') throw new CamvidError('BAD_MESSAGE', 'binary frame on ctl');
      message = ctlMessage(parseJson(msg, MAX_CTL_MESSAGE_BYTES));
    } catch {
      this.rejected++;
      return;
    }
    if (message.type === 'ping') this.sendCtl({ type: 'pong', t: message.t });
    this.emit('ctl', message);
  }
}
