/**
 * What one agent sends to one receiver (a child's tree edge, or this agent's own browser): the
 * per-receiver rewriting of RTP, a cache of what was sent (to answer NACKs at this hop), and a
 * bounded queue, so a receiver whose sends fail never holds up its siblings: its packets wait in
 * its own queue, and when that overflows its video drops to the next key frame.
 *
 * Rewriting: every receiver gets the SSRC it was told in its SDP and our payload type. Sequence
 * numbers and timestamps pass through unchanged (so a packet has the same number at every hop),
 * except where the stream jumps (a new source, or packets skipped while waiting for a key frame):
 * there an offset keeps the receiver's numbering continuous, as a receiver's jitter buffer expects.
 */
import { LayerChoice } from './layer-choice.js';
import type { DownstreamCounters, DownstreamHooks, MediaReceiver, MediaSink } from './media-receiver.js';
import { ReceiverEstimate } from './rate-control.js';
import { ResendCache } from './resend-cache.js';
import {
  CLOCK_RATES,
  MEDIA_KINDS,
  PAYLOAD_TYPES,
  VIDEO_KINDS,
  isRtcpPacket,
  isVideoKind,
  parseRtcp,
  rewriteRtp,
  rewriteSenderReport,
  type MediaKind,
  type RtpInfo,
  type VideoKind,
} from '../../protocol/media.js';

export type { DownstreamCounters, DownstreamHooks, MediaReceiver, MediaSink } from './media-receiver.js';

export interface DownstreamOptions {
  /** packets that may wait for a slow receiver (default QUEUE_LIMIT) */
  queueLimit?: number;
  /**
   * The receiver gets this simulcast layer of the camera and no other, in its own SSRC: one lane
   * of a relay child's edge (edge-downstream.ts). A camera of one layer counts as layer 0.
   */
  layer?: number;
}

/** ~1 s of 720p video at 2.5 Mbit/s: beyond this a receiver is too slow to catch up smoothly. */
export const QUEUE_LIMIT = 256;
/** A jump larger than this (either way) is a new stream, not loss or reordering. */
const MAX_SEQ_GAP = 3000;
const RETRY_MS = 5;
/**
 * A receiver still waiting for a key frame asks again this often: a request can be lost on its way
 * up (a PLI sent on a link whose track is not open yet), and a browser source (unlike ffmpeg) sends
 * key frames only when asked, so one lost request would otherwise leave a newcomer without a picture.
 */
export const KEYFRAME_RETRY_MS = 1000;
/**
 * One receiver's key frame requests are passed on at most once per this interval (per video
 * kind): a key frame goes to the whole class, so one receiver asking often (a bad link's decoder,
 * or a student's agent sending PLIs on purpose) would otherwise make the source send one every
 * KEYFRAME_INTERVAL_MS for everyone. A receiver still waiting re-asks every KEYFRAME_RETRY_MS anyway.
 */
export const RECEIVER_KEYFRAME_MS = 1000;

interface StreamState {
  seqOffset: number;
  tsOffset: number;
  lastInSeq: number | null;
  lastOut: { seq: number; ts: number; at: number } | null;
  /** video: send nothing until a key frame starts (a decoder cannot use anything before it) */
  waitingForKeyframe: boolean;
  resync: boolean;
  /** false while the receiver said it does not want this kind (a podcast nobody below listens to) */
  enabled: boolean;
}

/**
 * The offsets that make a stream's next packet (`seq`, `ts`) follow `last`, the last one a receiver
 * got: its sequence number one on, its clock advanced by the wall time since (at least one tick).
 */
export function continueAfter(last: { seq: number; ts: number; at: number }, seq: number, ts: number, clockRate: number): { seqOffset: number; tsOffset: number } {
  const ticks = Math.max(1, Math.round(((performance.now() - last.at) / 1000) * clockRate));
  return { seqOffset: (last.seq + 1 - seq) & 0xffff, tsOffset: (last.ts + ticks - ts) >>> 0 };
}

export class Downstream implements MediaReceiver {
  readonly counters: DownstreamCounters = {
    packets: 0, bytes: 0, droppedQueue: 0, droppedWaitingForKeyframe: 0, nackAsked: 0, nackResent: 0, keyframeRequests: 0, keyframeThrottled: 0, malformedRtcp: 0, senderReports: 0, layerSwitches: 0,
  };
  readonly #streams = new Map<MediaKind, StreamState>();
  /** what was sent of each video kind, to answer NACKs within a budget */
  readonly #cache = new ResendCache();
  #queue: { kind: MediaKind; packet: Buffer }[] = [];
  /** the newest RTP of each video kind that actually went out: where numbering resumes after a queue drop */
  readonly #lastSent = new Map<VideoKind, NonNullable<StreamState['lastOut']>>();
  #retry: NodeJS.Timeout | null = null;
  /** what this receiver's link takes of each video kind, from its reports (rate-control.ts) */
  readonly estimates = new Map<VideoKind, ReceiverEstimate>(VIDEO_KINDS.map((k) => [k, new ReceiverEstimate()]));
  /** when this receiver last asked for a key frame of each video kind (the relay asks once when it is added) */
  readonly #keyframeAskedAt = new Map<VideoKind, number>(VIDEO_KINDS.map((k) => [k, performance.now()]));
  /** when a key frame request of the receiver's own was last passed on, per video kind */
  readonly #requestPassedAt = new Map<VideoKind, number>();
  /** which simulcast layer of the camera this receiver should get (layer-choice.ts) */
  readonly layers = new LayerChoice();
  /** the layer it gets now (null: none yet, or a source of one layer) */
  #layer: number | null = null;
  /** when a key frame of the layer it should switch to was last asked for */
  #layerAskedAt = -Infinity;
  #closed = false;

  readonly #queueLimit: number;
  readonly #fixedLayer: number | undefined;

  constructor(
    readonly sink: MediaSink,
    private readonly hooks: DownstreamHooks,
    opts: DownstreamOptions = {},
  ) {
    this.#queueLimit = opts.queueLimit ?? QUEUE_LIMIT;
    this.#fixedLayer = opts.layer;
    for (const kind of MEDIA_KINDS) {
      this.#streams.set(kind, { seqOffset: 0, tsOffset: 0, lastInSeq: null, lastOut: null, waitingForKeyframe: isVideoKind(kind), resync: false, enabled: true });
    }
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Stops or resumes sending `kind` to this receiver (the podcast to a subtree where nobody
   * listens). Switched back on, the receiver gets the stream's own numbers again: a gap as long as
   * the time it was off, as if lost. Its receivers are agents, which neither NACK audio nor have a
   * jitter buffer (a listener's player renumbers for its page), and every hop keeps one number per
   * packet, which the latency traces rely on.
   */
  setEnabled(kind: MediaKind, enabled: boolean): void {
    const st = this.#streams.get(kind)!;
    // Video switched back on starts at a key frame (asked for now), numbering where it stopped.
    if (enabled && !st.enabled && isVideoKind(kind)) {
      st.waitingForKeyframe = true;
      this.#askKeyframe(kind);
    }
    st.enabled = enabled;
  }

  /** Whether this receiver's `kind` waits for a key frame before it gets anything. */
  isWaiting(kind: VideoKind): boolean {
    return this.#streams.get(kind)!.waitingForKeyframe;
  }

  isEnabled(kind: MediaKind): boolean {
    return this.#streams.get(kind)!.enabled;
  }

  /**
   * The receiver already has this stream up to a gap (it was a child of another relay and switched
   * to us): its video goes from the next packet, not the next key frame. Its decoder is told of the
   * gap by the numbers and asks for a key frame itself; the relay asks for one when adding us.
   */
  continueStream(): void {
    for (const kind of VIDEO_KINDS) this.#streams.get(kind)!.waitingForKeyframe = false;
  }

  /**
   * The next packet of `kind` starts a new run (another source, or a player that paused or
   * jumped): the receiver's numbering continues and its clock advances by the wall time since.
   */
  resync(kind: MediaKind): void {
    this.#streams.get(kind)!.resync = true;
    if (kind === 'video' && this.#fixedLayer === undefined) this.#layer = null; // a new camera: its layers start at a key frame
  }

  /** The simulcast layer of the camera this receiver gets; null before its first, or with one layer. */
  get layer(): number | null {
    return this.#fixedLayer ?? this.#layer;
  }

  /**
   * Forwards one upstream RTP packet (the caller validated it); `packet` is not modified. `layer`:
   * which simulcast layer of the camera it is (undefined: the source sends one).
   */
  push(kind: MediaKind, packet: Buffer, rtp: RtpInfo, keyframe: boolean, layer?: number): void {
    const ssrc = this.sink.ssrc(kind);
    if (this.#closed || ssrc === undefined) return;
    const st = this.#streams.get(kind)!;
    if (!st.enabled) return;
    if (this.#fixedLayer !== undefined) {
      if (kind === 'video' && (layer ?? 0) !== this.#fixedLayer) return;
    } else if (layer !== undefined && !this.#takeLayer(st, layer, keyframe)) {
      return;
    }
    if (st.waitingForKeyframe) {
      if (!keyframe) {
        this.counters.droppedWaitingForKeyframe++;
        if (isVideoKind(kind) && performance.now() - this.#keyframeAskedAt.get(kind)! >= KEYFRAME_RETRY_MS) this.#askKeyframe(kind);
        return;
      }
      st.waitingForKeyframe = false;
      st.resync = true;
    }
    if (st.lastInSeq !== null && !st.resync) {
      const ahead = (rtp.seq - st.lastInSeq) & 0xffff;
      if (ahead > MAX_SEQ_GAP && ahead < 0x10000 - MAX_SEQ_GAP) st.resync = true;
    }
    if (st.resync) {
      st.resync = false;
      if (st.lastOut) {
        // Continue the receiver's numbering; advance its clock by the wall time that passed.
        ({ seqOffset: st.seqOffset, tsOffset: st.tsOffset } = continueAfter(st.lastOut, rtp.seq, rtp.timestamp, CLOCK_RATES[kind]));
      }
    }
    if (st.lastInSeq === null || ((rtp.seq - st.lastInSeq) & 0xffff) < 0x8000) st.lastInSeq = rtp.seq;
    const out = Buffer.from(packet);
    const seq = (rtp.seq + st.seqOffset) & 0xffff;
    const ts = (rtp.timestamp + st.tsOffset) >>> 0;
    rewriteRtp(out, { ssrc, payloadType: PAYLOAD_TYPES[kind], seq, timestamp: ts });
    st.lastOut = { seq, ts, at: performance.now() };
    if (isVideoKind(kind)) this.#cache.sent(kind, out);
    this.#send(kind, out);
  }

  /**
   * Passes an upstream sender report on (for lip sync), in this receiver's SSRC and clock: its RTP
   * timestamp gets the same offset as the stream's packets, so it maps the receiver's RTP time to
   * the source's NTP time exactly. Nothing goes before the first RTP packet (no offset yet) or
   * while the kind is off. `offset`: from `parseRtcp`'s senderReports (the caller validated).
   */
  forwardSenderReport(kind: MediaKind, packet: Buffer, offset: number, layer?: number): void {
    const ssrc = this.sink.ssrc(kind);
    const st = this.#streams.get(kind)!;
    if (this.#closed || ssrc === undefined || !st.lastOut || !st.enabled) return;
    if (layer !== undefined && layer !== this.layer) return; // another layer's clock
    this.counters.senderReports++;
    this.#send(kind, rewriteSenderReport(packet, offset, ssrc, st.tsOffset));
  }

  /**
   * RTCP from the receiver: key frame requests go to the relay, NACKs are answered from the cache,
   * report blocks and REMBs about our stream feed its estimate.
   */
  handleRtcp(packet: Buffer): void {
    if (this.#closed) return;
    const rtcp = parseRtcp(packet);
    if (!rtcp) {
      this.counters.malformedRtcp++;
      return;
    }
    const now = performance.now();
    for (const kind of VIDEO_KINDS) {
      const ssrc = this.sink.ssrc(kind);
      if (ssrc === undefined) continue;
      if (rtcp.keyframeFor.some((s) => s === ssrc)) {
        this.counters.keyframeRequests++;
        if (now - (this.#requestPassedAt.get(kind) ?? -Infinity) >= RECEIVER_KEYFRAME_MS) {
          this.#requestPassedAt.set(kind, now);
          this.#askKeyframe(kind);
        } else {
          this.counters.keyframeThrottled++;
        }
      }
      for (const nack of rtcp.nacks) if (nack.ssrc === ssrc) this.#answerNack(kind, nack.seqs);
      const estimate = this.estimates.get(kind)!;
      for (const r of rtcp.reports) {
        if (r.ssrc !== ssrc) continue;
        const loss = estimate.report(r.fractionLost, now);
        if (loss !== undefined) this.hooks.reported?.(kind, loss, now);
        const top = kind === 'video' && this.#fixedLayer === undefined ? this.hooks.topLayer?.() : undefined;
        if (loss !== undefined && top !== undefined && this.#layer !== null) {
          this.layers.report(loss, this.#layer, top, now);
          this.counters.layerSwitches = this.layers.switches;
        }
      }
      for (const r of rtcp.rembs) if (r.ssrcs.includes(ssrc)) estimate.remb(r.bps, now);
    }
  }

  /**
   * Resends what this hop still has, within the resend budget; the rest is NACKed upstream, in
   * upstream numbering. A kind switched off (a simulcast lane replaced) is not repaired: the
   * receiver has moved on, and its link is the one that could not take it.
   */
  #answerNack(kind: VideoKind, seqs: number[]): void {
    const st = this.#streams.get(kind)!;
    if (!st.enabled) return;
    const missing: number[] = [];
    for (const seq of seqs) {
      this.counters.nackAsked++;
      const cached = this.#cache.find(kind, seq);
      if (!cached) {
        missing.push((seq - st.seqOffset) & 0xffff);
      } else if (this.#cache.spend(cached.length)) {
        this.counters.nackResent++;
        this.#send(kind, cached);
      } // else over budget: let it go
    }
    if (missing.length) this.hooks.nackUpstream(kind, missing, kind === 'video' ? (this.layer ?? undefined) : undefined);
  }

  /**
   * Whether a packet of simulcast `layer` goes to this receiver: the layer it gets, or the one it
   * should get once that one's key frame starts (then the stream jumps: numbering continues, as
   * for a new source). Until then it keeps what it has, and the new layer's key frame is asked
   * for once per KEYFRAME_RETRY_MS.
   */
  #takeLayer(st: StreamState, layer: number, keyframe: boolean): boolean {
    const top = this.hooks.topLayer?.();
    const want = top === undefined ? layer : this.layers.want(top);
    if (layer === this.#layer && want === layer) return true;
    if (layer === want && keyframe) {
      this.#layer = layer;
      st.waitingForKeyframe = false;
      st.resync = true;
      st.lastInSeq = null;
      return true;
    }
    const now = performance.now();
    if (layer === want && now - this.#layerAskedAt >= KEYFRAME_RETRY_MS) {
      this.#layerAskedAt = now;
      this.#askKeyframe('video', layer);
    }
    return layer === this.#layer; // the old layer goes on until the new one can start
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#queue = [];
    this.#cache.clear();
  }

  #send(kind: MediaKind, packet: Buffer): void {
    if (this.#queue.length === 0 && this.#trySend(kind, packet)) return;
    this.#queue.push({ kind, packet });
    if (this.#queue.length > this.#queueLimit) this.#overflow();
    this.#retry ??= setTimeout(() => this.#flush(), RETRY_MS);
  }

  #trySend(kind: MediaKind, packet: Buffer): boolean {
    if (!this.sink.send(kind, packet)) return false;
    if (isVideoKind(kind) && !isRtcpPacket(packet)) {
      const seq = packet.readUInt16BE(2);
      const last = this.#lastSent.get(kind);
      if (!last || ((seq - last.seq) & 0xffff) < 0x8000) this.#lastSent.set(kind, { seq, ts: packet.readUInt32BE(4), at: performance.now() });
      this.estimates.get(kind)!.sent(packet.length);
    }
    this.counters.packets++;
    this.counters.bytes += packet.length;
    return true;
  }

  #flush(): void {
    this.#retry = null;
    if (this.#closed) return;
    let sent = 0;
    while (sent < this.#queue.length && this.#trySend(this.#queue[sent]!.kind, this.#queue[sent]!.packet)) sent++;
    this.#queue.splice(0, sent);
    if (this.#queue.length) this.#retry = setTimeout(() => this.#flush(), RETRY_MS);
  }

  #askKeyframe(kind: VideoKind, layer = kind === 'video' ? (this.layer ?? undefined) : undefined): void {
    this.#keyframeAskedAt.set(kind, performance.now());
    this.hooks.keyframeNeeded(kind, layer);
  }

  /** The receiver fell a queue behind: drop its video (camera and screen) to the next key frame, then its oldest audio. */
  #overflow(): void {
    const before = this.#queue.length;
    const dropped = new Set<VideoKind>();
    for (const q of this.#queue) {
      if (!isVideoKind(q.kind)) continue;
      dropped.add(q.kind);
      if (!isRtcpPacket(q.packet)) this.estimates.get(q.kind)!.undelivered(q.packet.length);
    }
    this.#queue = this.#queue.filter((q) => !isVideoKind(q.kind));
    for (const kind of dropped) {
      const video = this.#streams.get(kind)!;
      if (video.waitingForKeyframe) continue;
      video.waitingForKeyframe = true;
      // Resume numbering right after what the receiver got, so it sees no gap to NACK.
      video.lastOut = this.#lastSent.get(kind) ?? null;
      this.#askKeyframe(kind);
    }
    if (this.#queue.length > this.#queueLimit / 2) this.#queue.splice(0, this.#queue.length - Math.floor(this.#queueLimit / 2));
    this.counters.droppedQueue += before - this.#queue.length;
  }
}
