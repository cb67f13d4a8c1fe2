/**
 * One edge of the relay tree: one node-datachannel PeerConnection with the data channels `ctl`
 * (reliable, ordered), `bulk` (reliable, binary) and `lab` (unordered, no retransmits). The parent
 * end offers and creates the channels; the child end answers. Signalling goes through `signal`
 * events and `handleSignal()`; the owner carries them over the session with the host.
 *
 * The link owns its PeerConnection and timers: it closes itself on connect timeout, on a lost
 * heartbeat or when the PeerConnection fails, and reports why once through `closed`.
 */
import nodeDataChannel, { type DataChannel, type PeerConnection } from 'node-datachannel';
import { ctlMessage, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, type CtlMessage } from '../../protocol/ctl.js';
import { CamvidError } from '../../protocol/errors.js';
import type { SignalData } from '../../protocol/session.js';
import { parseJson } from '../../protocol/validate.js';
import { MAX_CTL_MESSAGE_BYTES } from '../../protocol/version.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';

const log = createLogger('agent:link');
/** node-datachannel connects in ~200 ms on a LAN; a link not up after this is retried by the host. */
export const CONNECT_TIMEOUT_MS = 5000;
export const CHANNEL_LABELS = ['ctl', 'bulk', 'lab'] as const;
export type ChannelLabel = (typeof CHANNEL_LABELS)[number];

export type LinkEnd = 'parent' | 'child';
export type LinkCloseReason = 'closed' | 'timeout' | 'lost' | 'failed';

export interface PeerLinkOptions {
  edge: string;
  /** which end of the edge this side is */
  end: LinkEnd;
  /** the peer at the other end */
  peerId: string;
  /** a tree edge, or a direct edge between two members (labs) */
  kind?: 'tree' | 'direct';
  /** local address to gather candidates on (e.g. 127.0.0.1 in tests); default all interfaces */
  bindAddress?: string;
  iceServers?: string[];
}

export type PeerLinkEvents = {
  signal: [data: SignalData];
  open: [];
  ctl: [message: CtlMessage];
  bulk: [data: Buffer];
  lab: [data: Buffer];
  closed: [reason: LinkCloseReason];
};

export class PeerLink extends TypedEmitter<PeerLinkEvents> {
  /** inbound messages dropped because they failed validation */
  rejected = 0;
  readonly #pc: PeerConnection;
  readonly #channels = new Map<ChannelLabel, DataChannel>();
  readonly #pendingCandidates: { candidate: string; mid: string }[] = [];
  #hasRemote = false;
  #open = false;
  #closed = false;
  #lastHeard = Date.now();
  #heartbeat: NodeJS.Timeout | null = null;
  readonly #connectTimer: NodeJS.Timeout;

  constructor(readonly opts: PeerLinkOptions) {
    super();
    this.#pc = new nodeDataChannel.PeerConnection(opts.edge, {
      iceServers: opts.iceServers ?? [],
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
    });
    this.#pc.onLocalDescription((sdp, type) => {
      const kind = type.toLowerCase() === 'offer' ? 'offer' : 'answer';
      this.#emitSignal({ kind, sdp: kind === 'offer' ? sdp.replace(/a=setup:actpass/g, 'a=setup:active') : sdp });
    });
    this.#pc.onLocalCandidate((candidate, mid) => {
      log.debug(`${opts.edge} local candidate ${candidate}`);
      this.#emitSignal({ kind: 'candidate', candidate, mid });
    });
    this.#pc.onStateChange((state) => {
      log.debug(`${opts.edge} state ${state}`);
      if (state === 'failed' || state === 'closed') this.close(state === 'failed' ? 'failed' : 'lost');
    });
    if (opts.end === 'parent') {
      this.#adopt(this.#pc.createDataChannel('ctl'));
      this.#adopt(this.#pc.createDataChannel('bulk'));
      this.#adopt(this.#pc.createDataChannel('lab', { unordered: true, maxRetransmits: 0 }));
    } else {
      this.#pc.onDataChannel((dc) => this.#adopt(dc));
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

  handleSignal(data: SignalData): void {
    if (this.#closed) return;
    try {
      if ((data.kind === 'offer' || data.kind === 'answer') && data.sdp) {
        if (data.kind === 'offer' && this.opts.end !== 'child') throw new Error('offer sent to the offering end');
        this.#pc.setRemoteDescription(data.sdp, data.kind === 'offer' ? 'offer' as never : 'answer' as never);
        this.#hasRemote = true;
        // A candidate can arrive before the description; it waited here until now.
        for (const c of this.#pendingCandidates.splice(0)) this.#pc.addRemoteCandidate(c.candidate, c.mid);
      } else if (data.kind === 'candidate' && data.candidate !== undefined) {
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
      return dc.sendMessage(JSON.stringify(message));
    } catch {
      return false;
    }
  }

  close(reason: LinkCloseReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
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
    this.#lastHeard = Date.now();
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_INTERVAL_MS);
    this.#heartbeat.unref();
    this.emit('open');
  }

  #beat(): void {
    if (Date.now() - this.#lastHeard > HEARTBEAT_TIMEOUT_MS) {
      this.close('lost');
      return;
    }
    this.sendCtl({ type: 'ping', t: Date.now() });
  }

  #onMessage(label: ChannelLabel, msg: string | Buffer | ArrayBuffer): void {
    if (this.#closed) return;
    this.#lastHeard = Date.now();
    if (label !== 'ctl') {
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
