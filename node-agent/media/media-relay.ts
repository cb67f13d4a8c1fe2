/**
 * The media path of one agent. It takes RTP from upstream (the local source on the host, the
 * parent's tree edge elsewhere) and forwards each packet as received, no decoding, to every
 * downstream: each child's tree edge, and this agent's own browser when it watches. It follows
 * the agent from room to room through `agent.on('room')` and the room's EdgeTable open/closed.
 *
 * Upstream traffic is one of: key frame requests (coalesced so one burst of joins or PLIs costs
 * the source one key frame per KEYFRAME_INTERVAL_MS: keyframe-gate.ts), and NACKs for packets no cache on this hop
 * still holds. Anything malformed or oversized from a peer is dropped and counted, never thrown.
 */
import {
  MEDIA_KINDS,
  VIDEO_KINDS,
  isRtcpPacket,
  isVideoKind,
  isVp8KeyframeStart,
  type MediaKind,
  type MediaStats,
  type VideoKind,
} from '../../protocol/media.js';
import { MAX_SIMULCAST_LAYERS } from '../../protocol/sdp.js';
import { onAbort, type Feature, type RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { TypedEmitter } from '../typed-emitter.js';
import { Downstream, type DownstreamHooks, type MediaReceiver, type MediaSink } from './downstream.js';
import { EdgeDownstream, wantedLayers } from './edge-downstream.js';
import { CameraLayers } from './camera-layers.js';
import { GopCache } from './gop-cache.js';
import { HopRepair } from './hop-repair.js';
import { KeyframeGate } from './keyframe-gate.js';
import { FEEDBACK_SSRC, ParentEdge } from './parent-edge.js';
import { PacketTaps, type PacketTap } from './packet-taps.js';
import { acceptRtcp, acceptRtp } from './upstream-check.js';
import { RelayCounters } from './relay-counters.js';
import { slotOf, SOURCE_SLOTS, type MediaSource, type SourceSlot } from './media-source.js';
import { TreeFeedback, type TreeEstimate } from './tree-feedback.js';

export { slotOf, SOURCE_SLOTS, type MediaSource, type SourceSlot } from './media-source.js';
export { KEYFRAME_INTERVAL_MS } from './keyframe-gate.js';

const log = createLogger('agent:media');

/** The camera's simulcast layers a source may send (protocol/sdp.ts takes at most this many). */
const MAX_LAYERS = MAX_SIMULCAST_LAYERS;
/** A screen with no packet for this long is not being shared: joins stop asking it for key frames. */
const SCREEN_FRESH_MS = 2000;

export type { PacketTap } from './packet-taps.js';


export interface MediaRelayOptions {
  /** emit `stats` this often (0 = never) */
  statsIntervalMs?: number;
  /** emit `trace` for packets of `traceKind` whose sequence number is a multiple of this (0 = never) */
  traceEvery?: number;
  /** default video */
  traceKind?: MediaKind;
}

export type MediaRelayEvents = {
  stats: [stats: MediaStats];
  /** arrival of a traced packet, on the machine-wide monotonic clock (µs), for hop latency */
  trace: [t: { kind: MediaKind; seq: number; us: number }];
  /** a slot got a source (`on`) or lost it: the recorder follows the shared screen */
  source: [slot: SourceSlot, on: boolean];
  /** what the tree below takes of a video kind changed (tree-feedback.ts): the host's page is told */
  estimate: [kind: VideoKind, estimate: TreeEstimate];
};

export class MediaRelay extends TypedEmitter<MediaRelayEvents> implements Feature {
  readonly #counters = new RelayCounters();
  /** the SSRC of the RTP accepted from upstream, per kind: a sender report must be about that stream */
  readonly #upstreamSsrc: Partial<Record<MediaKind, number>> = {};
  /** the camera's simulcast layers, where a source sends them */
  readonly #layers = new CameraLayers();
  readonly #downstreams = new Map<string, MediaReceiver>();
  /** unsubscribers of each downstream's RTCP feed, by sink id */
  readonly #sinkDisposers = new Map<string, () => void>();
  #roomDisposables: (() => void)[] = [];
  /** the media side of the parent's edge: layers, key frame requests and NACKs up, repair */
  #parentEdge: ParentEdge | null = null;
  get #parent(): PeerLink | null {
    return this.#parentEdge?.link ?? null;
  }
  readonly #sources = new Map<SourceSlot, MediaSource>();
  readonly #taps = new PacketTaps((layer) => this.requestKeyframe('video', layer));
  readonly #keyframes = new KeyframeGate((kind, layer) => this.#sendKeyframeRequest(kind, layer));
  #statsTimer: NodeJS.Timeout | null = null;
  readonly #feedback: TreeFeedback;
  /** asks the parent again for what its edge lost (hop-repair.ts) */
  readonly #repair = new HopRepair((kind, ssrc, seqs) => this.#parentEdge?.nackSsrc(kind, ssrc, seqs));
  /** the latest picture of each video kind (and camera layer), for pages that open mid-stream */
  readonly #gop = new GopCache();
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(private readonly opts: MediaRelayOptions = {}) {
    super();
    this.setStatsInterval(opts.statsIntervalMs ?? 0);
    this.#feedback = new TreeFeedback(
      {
        // With simulcast the page's camera rate is what the top layer's receivers take: one on
        // a lower layer is served by that layer, and must not hold the others down.
        receivers: (kind) => [...this.#downstreams].filter(([, ds]) => kind !== 'video' || this.#onTopLayer(ds)).map(([id, ds]) => [id, ds.estimates.get(kind)]),
        sendUp: (kind, packet) => !!this.#parent?.isOpen && this.#parent.sendMedia(kind, packet),
        sendCtlUp: (message) => !!this.#parent?.isOpen && this.#parent.sendCtl(message),
      },
      FEEDBACK_SSRC,
    );
    this.#feedback.on('change', (kind, estimate) => this.emit('estimate', kind, estimate));
  }

  /** What the tree below takes of `kind` (its lowest receiver's estimate), as of the last second. */
  estimate(kind: VideoKind): TreeEstimate {
    return this.#feedback.estimate(kind);
  }

  /** Emits `stats` every `ms` (0 stops). */
  setStatsInterval(ms: number): void {
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = null;
    if (ms > 0 && !this.#closed) {
      this.#statsTimer = setInterval(() => this.emit('stats', this.stats()), ms);
      this.#statsTimer.unref();
    }
  }

  setTraceEvery(n: number, kind: MediaKind = 'video'): void {
    this.opts.traceEvery = n;
    this.opts.traceKind = kind;
  }

  /** The camera source (slot `camera`), or the source of another slot. */
  source(slot: SourceSlot = 'camera'): MediaSource | null {
    return this.#sources.get(slot) ?? null;
  }

  /**
   * Makes `source` this agent's upstream for the kinds of `slot` (the host's camera, its
   * podcast); the previous source of that slot is closed. A packet of another kind is dropped.
   * The relay owns `source` from this call on (a closed relay closes it at once): the slot is
   * swapped before anything is awaited, so however calls overlap, the last one set is live and
   * every other is closed, once. Resolves when the previous source has closed; never rejects for it.
   */
  async setSource(source: MediaSource | null, slot: SourceSlot = 'camera'): Promise<void> {
    const old = this.#sources.get(slot) ?? null;
    if (source === old) return;
    const live = this.#closed ? null : source;
    if (live) this.#sources.set(slot, live);
    else this.#sources.delete(slot);
    const closing = [this.#closeSource(old, slot)];
    if (source && !live) closing.push(this.#closeSource(source, slot));
    if (live) this.#attach(live, slot);
    if (!!old !== !!live) this.emit('source', slot, !!live);
    await Promise.all(closing);
  }

  /** Calls `tap` with every accepted RTP packet of `kind` (not RTCP); returns its remover. */
  onPacket(kind: MediaKind, tap: PacketTap): () => void {
    return this.#taps.add(kind, tap);
  }

  /** Starts or stops sending `kind` to one receiver (a child's edge id, or a sink id). */
  setKindEnabled(id: string, kind: MediaKind, enabled: boolean): boolean {
    const ds = this.#downstreams.get(id);
    ds?.setEnabled(kind, enabled);
    return !!ds;
  }

  /** Adds a receiver outside the tree (this agent's browser); returns its remover. */
  addSink(sink: MediaSink): Downstream {
    return this.#addDownstream(sink.id, (hooks) => new Downstream(sink, hooks), undefined, true);
  }

  /**
   * A page is about to watch (its link is being set up): its key frames are asked for now, so
   * the picture is in the cache when the link opens (addSink replays it) rather than asked for then.
   */
  prepareSink(): void {
    this.#askJoinKeyframes([]);
  }

  removeSink(id: string): void {
    this.#removeDownstream(id);
  }

  /** Asks upstream for a key frame of `kind`, coalescing requests within KEYFRAME_INTERVAL_MS (per kind). */
  requestKeyframe(kind: VideoKind = 'video', layer?: number): void {
    this.#keyframes.request(kind, layer);
  }

  stats(): MediaStats {
    const downstreams = [...this.#downstreams.values()];
    return this.#counters.stats(
      downstreams.map((d) => d.counters),
      {
        upstream: this.#sources.size ? 'source' : this.#parent ? 'parent' : 'none',
        children: [...this.#downstreams.keys()].filter((id) => !id.startsWith('local:')).length,
        estimate: { video: this.estimate('video'), screen: this.estimate('screen') },
        feedbackSent: this.#feedback.sent,
        layers: this.#layers.stats((layer) => downstreams.filter((d) => d.layer === layer).length),
        upstreamLoss: this.#parent ? this.#feedback.lastLoss : null,
        repair: { ...this.#repair.counters },
      },
    );
  }

  /** Idempotent: every call gets the same promise, settled once every source is closed. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.setStatsInterval(0);
      this.#feedback.close();
      this.#keyframes.close();
      this.#leave();
      for (const id of [...this.#downstreams.keys()]) this.#removeDownstream(id);
      this.#taps.clear();
      const sources = [...this.#sources.entries()];
      this.#sources.clear();
      await Promise.all(sources.map(([slot, source]) => this.#closeSource(source, slot)));
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  /** The highest simulcast layer of the camera that flows now; undefined when the camera is one layer. */
  topLayer(): number | undefined {
    return this.#layers.top();
  }

  /** Whether `ds` gets (or is going to) the camera's top layer; true when the camera is one layer. */
  #onTopLayer(ds: MediaReceiver): boolean {
    const top = this.topLayer();
    return top === undefined || ds.layers.want(top) === top;
  }

  #attach(source: MediaSource, slot: SourceSlot): void {
    const kinds: readonly MediaKind[] = SOURCE_SLOTS[slot];
    for (const kind of kinds) this.#upstreamSsrc[kind] = undefined;
    for (const kind of kinds) if (isVideoKind(kind)) this.#gop.clear(kind);
    if (slot === 'camera') {
      this.#layers.clear();
      this.#taps.newCamera();
    }
    // A new source numbers its packets its own way: every receiver continues from where it was.
    for (const ds of this.#downstreams.values()) for (const kind of kinds) ds.resync(kind);
    source.attach((kind, packet, layer) => {
      if (this.#sources.get(slot) !== source) return;
      if (kinds.includes(kind) && (layer === undefined || (kind === 'video' && Number.isInteger(layer) && layer >= 0 && layer < MAX_LAYERS))) this.#ingest(kind, packet, layer);
      else this.#counters.dropped.unexpected++;
    });
    for (const kind of kinds) if (isVideoKind(kind)) this.requestKeyframe(kind);
  }

  /** Closes a source the relay owned. Its close starts now (no await before it); a failure is logged. */
  async #closeSource(source: MediaSource | null, slot: SourceSlot): Promise<void> {
    try {
      await source?.close();
    } catch (err) {
      log.warn(`closing the ${slot} source failed`, err);
    }
  }

  /** Follows the room's tree edges: the parent upstream, each child downstream. */
  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    if (this.#closed) return;
    onAbort(signal, () => this.#leave());
    const edges: EdgeTable = ctx.edges;
    this.#feedback.setMe(ctx.me.id);
    this.#roomDisposables.push(
      edges.on('open', (link) => this.#onOpen(link, edges.wasPromoted(link))),
      edges.on('closed', (link) => this.#onClosed(link)),
      edges.on('ctl', (link, msg) => {
        if (link.opts.end !== 'parent') return;
        if (msg.type === 'rate-limit') this.#feedback.childNamed(link.edge, { video: msg.video, screen: msg.screen });
        const ds = this.#downstreams.get(link.edge);
        if (msg.type === 'want-layers' && ds instanceof EdgeDownstream) ds.want(msg.video);
      }),
    );
    for (const link of [edges.parent, ...edges.children()]) if (link?.isOpen) this.#onOpen(link);
  }

  #leave(): void {
    for (const d of this.#roomDisposables.splice(0).reverse()) d();
    for (const id of [...this.#downstreams.keys()]) if (!id.startsWith('local:')) this.#removeDownstream(id);
    this.#setParent(null);
  }

  /**
   * A tree edge opened (or a standby edge became one: `promoted`). A promoted child continues the
   * stream it had from its lost parent (same numbers at every hop), so its video goes at once
   * rather than from the next key frame; the key frame is asked for all the same.
   */
  #onOpen(link: PeerLink, promoted = false): void {
    if ((link.opts.kind ?? 'tree') !== 'tree') return;
    if (link.opts.end === 'child') {
      this.#setParent(link);
      return;
    }
    const off = link.on('media', (_kind, packet) => this.#downstreams.get(link.edge)?.handleRtcp(packet));
    const sink = { id: link.edge, ssrc: (k: MediaKind) => link.localSsrc(k), layerSsrc: (l: number) => link.localSsrcs('video')[l], send: (k: MediaKind, p: Buffer) => link.sendMedia(k, p) };
    const ds = this.#addDownstream(link.edge, (hooks) => new EdgeDownstream(sink, hooks), off);
    this.#feedback.setChild(link.edge, link.peerId);
    if (promoted) ds.continueStream();
    log.debug(`forwarding to ${link.peerId} (${link.edge})`);
  }

  #onClosed(link: PeerLink): void {
    if (link === this.#parent) this.#setParent(null);
    this.#removeDownstream(link.edge);
  }

  #setParent(link: PeerLink | null): void {
    this.#parentEdge?.close();
    this.#parentEdge = null;
    this.#gop.clear();
    for (const kind of MEDIA_KINDS) this.#upstreamSsrc[kind] = undefined;
    this.#feedback.reset();
    if (!link) return;
    this.#parentEdge = new ParentEdge(link, this.#repair, {
      media: (kind, packet, layer) => this.#ingest(kind, packet, layer),
      wanted: () => wantedLayers(this.#downstreams.values()),
    });
    // A new parent: what we forward from now on starts mid-stream; ask for a picture at once.
    for (const kind of VIDEO_KINDS) this.requestKeyframe(kind);
  }

  /** `replay`: a page, given the latest picture from the cache at once where there is one. */
  #addDownstream<D extends MediaReceiver>(id: string, make: (hooks: DownstreamHooks) => D, dispose?: () => void, replay = false): D {
    this.#removeDownstream(id);
    const ds = make({
      // A layer is asked of a camera that comes in layers (from the source, or the parent's edge).
      keyframeNeeded: (kind, layer) => this.requestKeyframe(kind, this.#layers.top() === undefined ? undefined : layer),
      nackUpstream: (kind, seqs, layer) => this.#nackUpstream(kind, seqs, layer),
      topLayer: () => this.topLayer(),
    });
    this.#downstreams.set(id, ds);
    if (dispose) this.#sinkDisposers.set(id, dispose);
    // Keyframe on join: the newcomer waits for one before it gets any video, unless the cache
    // gave it a picture.
    this.#askJoinKeyframes(replay ? this.#replay(ds) : []);
    return ds;
  }

  /** Asks for the key frames a newcomer needs but for `have`; a screen's (a big one) only while a screen is being shared. */
  #askJoinKeyframes(have: readonly VideoKind[]): void {
    if (!have.includes('video')) this.requestKeyframe('video');
    const lastScreenAt = this.#counters.lastScreenAt;
    if (!have.includes('screen') && lastScreenAt !== null && Date.now() - lastScreenAt < SCREEN_FRESH_MS) this.requestKeyframe('screen');
  }

  /** Gives a new page the latest picture of each video kind from the cache; the kinds it now has. */
  #replay(ds: MediaReceiver): VideoKind[] {
    const have: VideoKind[] = [];
    const now = performance.now();
    for (const kind of VIDEO_KINDS) {
      const layer = kind === 'video' ? this.#layers.top() : undefined;
      const packets = this.#gop.replay(kind, layer, now);
      if (!packets) continue;
      for (const p of packets) ds.push(kind, p.packet, p.rtp, p.keyframe, layer);
      if (ds instanceof Downstream && !ds.isWaiting(kind)) have.push(kind);
    }
    if (have.length) {
      this.#counters.replayed++;
      log.debug(`a new page got the latest picture (${have.join(', ')}) from the cache`);
    }
    return have;
  }

  #removeDownstream(id: string): void {
    const ds = this.#downstreams.get(id);
    this.#sinkDisposers.get(id)?.();
    this.#sinkDisposers.delete(id);
    if (!ds) return;
    this.#downstreams.delete(id);
    this.#feedback.setChild(id, null);
    ds.close();
    this.#counters.retire(ds.counters);
  }

  /** One packet from upstream: validated here, where it arrives, then fanned out. */
  #ingest(kind: MediaKind, packet: Buffer, layer?: number): void {
    if (this.#closed) return;
    if (isRtcpPacket(packet)) {
      this.#ingestRtcp(kind, packet, layer);
      return;
    }
    const rtp = acceptRtp(kind, packet, this.#counters.dropped);
    if (!rtp) return;
    if (layer === undefined) this.#upstreamSsrc[kind] = rtp.ssrc;
    else this.#layers.packet(layer, rtp.ssrc, packet.length);
    const keyframe = isVideoKind(kind) && isVp8KeyframeStart(packet, rtp);
    this.#counters.taken(kind, packet.length, keyframe);
    if (isVideoKind(kind)) this.#gop.push(kind, layer, packet, keyframe, performance.now());
    if (isVideoKind(kind) && this.#parent) {
      const now = performance.now();
      if (!this.#repair.packet(kind, rtp.ssrc, rtp.seq, now)) this.#feedback.received(kind, rtp.ssrc, rtp.seq, now);
    }
    const every = this.opts.traceEvery ?? 0;
    if (every > 0 && kind === (this.opts.traceKind ?? 'video') && rtp.seq % every === 0) {
      this.emit('trace', { kind, seq: rtp.seq, us: Number(process.hrtime.bigint() / 1000n) });
    }
    for (const ds of this.#downstreams.values()) ds.push(kind, packet, rtp, keyframe, layer);
    this.#taps.feed(kind, packet, rtp, keyframe, layer, this.#layers.top());
  }

  /**
   * RTCP from upstream: validated like RTP (size, structure: nothing malformed is acted on or
   * passed on); each sender report about the stream this kind forwards goes to every receiver, in
   * its SSRC and clock (Downstream.forwardSenderReport). An SR of another SSRC (a stream not
   * forwarded, a stale source) is dropped: it would map this kind's RTP time wrongly.
   */
  #ingestRtcp(kind: MediaKind, packet: Buffer, layer?: number): void {
    const rtcp = acceptRtcp(packet, this.#counters.dropped);
    if (!rtcp) return;
    const expected = layer === undefined ? this.#upstreamSsrc[kind] : this.#layers.ssrc(layer);
    // Before its first RTP packet a stream's SR maps nothing any receiver has (ffmpeg sends one first).
    if (expected === undefined) return;
    for (const sr of rtcp.senderReports) {
      if (sr.ssrc !== expected) {
        this.#counters.dropped.unexpected++;
        continue;
      }
      this.#counters.senderReportsIn[kind]++;
      for (const ds of this.#downstreams.values()) ds.forwardSenderReport(kind, packet, sr.offset, layer);
    }
  }

  #sendKeyframeRequest(kind: VideoKind, layer?: number): void {
    this.#counters.keyframeUpstream++;
    const source = this.#sources.get(slotOf(kind));
    if (source) {
      source.requestKeyframe(kind, layer);
    } else {
      this.#parentEdge?.askKeyframe(kind, layer, kind === 'video' ? this.#layers.flowing() : []);
    }
  }

  #nackUpstream(kind: MediaKind, seqs: number[], layer?: number): void {
    this.#counters.nackForwarded += this.#parentEdge?.nack(kind, seqs, layer) ?? 0;
  }
}
