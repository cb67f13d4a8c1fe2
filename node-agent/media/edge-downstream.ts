/**
 * What one agent sends down one tree edge (docs/media.md, "Simulcast through relays"): the camera
 * in each simulcast layer the child's subtree wants, every layer in its own SSRC and numbering (a
 * lane: a Downstream fixed to that layer), capped at what the edge itself takes.
 *
 * - **Wanted**: the child says which layers its subtree wants (`want-layers` on ctl): the top one
 *   for itself and its pages, and each lower one a receiver below it is on. Until told, the top.
 * - **Cap**: the edge's own `LayerChoice`, from the child's reports about the highest layer it
 *   gets (and this hop's queue drops), as the host chooses for a student: heavy loss steps it down
 *   one layer, a clean link tries the one above. A layer wanted above the cap is sent at the cap.
 * - **Switching**: a lane that starts waits for its layer's key frame (asked for at once); the
 *   lane it replaces goes on until every lane that should flow does, so the child has no gap.
 *
 * Lane 0 also carries everything that is not the camera (microphone, podcast, screen), and the
 * camera itself when the source sends one layer.
 */
import { MAX_SIMULCAST_LAYERS } from '../../protocol/sdp.js';
import { isRtcpPacket, parseRtcp, type MediaKind, type RtpInfo, type VideoKind } from '../../protocol/media.js';
import type { PeerLink } from '../overlay/peer-link.js';
import { Downstream, type DownstreamCounters, type DownstreamHooks, type MediaReceiver, type MediaSink } from './downstream.js';
import { LayerChoice } from './layer-choice.js';
import type { ReceiverEstimate } from './rate-control.js';

/** The highest layer a subtree can want: "the top one, whatever flows". */
export const TOP_LAYER = MAX_SIMULCAST_LAYERS - 1;
/**
 * A try of the layer above is given up once the child has asked for more than this share of the
 * packets the tried lane sent it (counting each request, repeats too), after TRY_MIN_PACKETS.
 * Its link's random loss asks for a few percent; a link that cannot take the layer loses most of
 * the layer's first key frame at once. Its next receiver report would say so up to a second
 * later, and the burst would go on until then (30 % and 66 % lost in two seconds on a 400 kbit/s
 * link, test/integration/simulcast-relays-netns).
 */
const TRY_RESEND_SHARE = 0.2;
const TRY_MIN_PACKETS = 20;

/** a camera of one layer: everything on lane 0 */
const ONE_LAYER: ReadonlySet<number> = new Set([0]);

/** A child's tree edge: the camera's SSRC for each layer besides the sink's own per kind. */
export interface EdgeSink extends MediaSink {
  /** the SSRC the child was told for the camera's `layer` (0 = `ssrc('video')`) */
  layerSsrc(layer: number): number | undefined;
}

export class EdgeDownstream implements MediaReceiver {
  /** what the edge itself takes: its cap */
  readonly layers = new LayerChoice();
  /** by layer; made when first sent, kept (off) until the edge closes, so each layer's numbering continues */
  readonly #lanes: (Downstream | undefined)[] = [];
  /** the layers the child's subtree wants (`want-layers`), lowest first */
  #wanted: number[] = [TOP_LAYER];
  /** active()'s last answer and what it was for (`want` replaces #wanted, so identity tells a change) */
  #active: { top: number; cap: number; wanted: number[]; set: ReadonlySet<number> } | null = null;
  /** the try of a layer under way (LayerChoice.triedAt), and its lane's counters when it began */
  #try: { at: number; layer: number; packets: number; nacks: number } | null = null;
  /** the child continues the stream it had from another parent: lanes made for its first packet go at once */
  #continuing = false;
  readonly estimates = { get: (kind: VideoKind): ReceiverEstimate | undefined => this.#laneOf(kind).estimates.get(kind) };

  constructor(
    readonly sink: EdgeSink,
    private readonly hooks: DownstreamHooks,
  ) {
    this.#lanes[0] = this.#makeLane(0);
  }

  /** The child's subtree wants these layers (from its `want-layers`, validated); none means the top one. */
  want(layers: readonly number[]): void {
    const wanted = [...new Set(layers.filter((l) => Number.isInteger(l) && l >= 0 && l <= TOP_LAYER))].sort((a, b) => a - b);
    this.#wanted = wanted.length ? wanted : [TOP_LAYER];
  }

  /**
   * The layers this edge sends now, given the highest that flows (`top`, undefined: one layer).
   * Asked on every camera packet: the answer is kept while top, cap and wanted stay the same.
   */
  active(top: number | undefined): ReadonlySet<number> {
    if (top === undefined) return ONE_LAYER;
    const cap = this.layers.want(top);
    const m = this.#active;
    if (m?.top === top && m.cap === cap && m.wanted === this.#wanted) return m.set;
    const set = new Set(this.#wanted.map((w) => Math.min(w, cap)));
    this.#active = { top, cap, wanted: this.#wanted, set };
    return set;
  }

  /** The highest layer it gets (null: none yet). */
  get layer(): number | null {
    for (let l = this.#lanes.length - 1; l >= 0; l--) if (this.#lanes[l]?.isEnabled('video')) return l;
    return null;
  }

  get counters(): DownstreamCounters {
    const sum = { ...this.#lanes[0]!.counters };
    for (const lane of this.#lanes.slice(1)) {
      if (!lane) continue;
      for (const key of Object.keys(sum) as (keyof DownstreamCounters)[]) sum[key] += lane.counters[key];
    }
    sum.layerSwitches = this.layers.switches;
    return sum;
  }

  get queued(): number {
    return this.#lanes.reduce((n, lane) => n + (lane?.queued ?? 0), 0);
  }

  push(kind: MediaKind, packet: Buffer, rtp: RtpInfo, keyframe: boolean, layer?: number): void {
    if (kind !== 'video') return this.#lanes[0]!.push(kind, packet, rtp, keyframe);
    this.#update();
    this.#lanes[layer ?? 0]?.push(kind, packet, rtp, keyframe, layer);
  }

  forwardSenderReport(kind: MediaKind, packet: Buffer, offset: number, layer?: number): void {
    this.#lanes[kind === 'video' ? (layer ?? 0) : 0]?.forwardSenderReport(kind, packet, offset, layer);
  }

  /** RTCP from the child: each lane takes what is about its own SSRC (a malformed packet is counted once). */
  handleRtcp(packet: Buffer): void {
    if (!parseRtcp(packet)) return this.#lanes[0]!.handleRtcp(packet);
    for (const lane of this.#lanes) lane?.handleRtcp(packet);
    this.#watchTry();
  }

  setEnabled(kind: MediaKind, enabled: boolean): void {
    if (kind !== 'video') this.#lanes[0]!.setEnabled(kind, enabled);
  }

  isEnabled(kind: MediaKind): boolean {
    return kind === 'video' ? this.layer !== null : this.#lanes[0]!.isEnabled(kind);
  }

  continueStream(): void {
    this.#continuing = true;
    for (const lane of this.#lanes) lane?.continueStream();
  }

  resync(kind: MediaKind): void {
    if (kind === 'video') for (const lane of this.#lanes) lane?.resync(kind);
    else this.#lanes[0]!.resync(kind);
  }

  close(): void {
    for (const lane of this.#lanes) lane?.close();
  }

  /** Lane 0 for everything but the camera; the camera's rate is the highest lane's. */
  #laneOf(kind: MediaKind): Downstream {
    return kind === 'video' ? (this.#lanes[this.layer ?? 0] ?? this.#lanes[0]!) : this.#lanes[0]!;
  }

  /** Turns lanes on and off for what the edge should send now (on every camera packet: a few comparisons). */
  #update(): void {
    const active = this.active(this.hooks.topLayer?.());
    let settled = true;
    let replaced = false;
    for (let l = 0; l <= TOP_LAYER; l++) {
      const lane = this.#lanes[l];
      if (active.has(l)) {
        if (!lane) {
          this.#lanes[l] = this.#makeLane(l);
          // A promoted child had this layer from its lost parent, same numbers: it goes on at once.
          if (this.#continuing) this.#lanes[l]!.continueStream();
          else this.hooks.keyframeNeeded('video', l);
        } else if (!lane.isEnabled('video')) {
          lane.setEnabled('video', true);
        }
        if (this.#lanes[l]!.isWaiting('video')) settled = false;
      } else if (lane?.isEnabled('video')) {
        // A lane that has sent nothing yet stops at once; one the child plays goes on for now.
        if (lane.isWaiting('video')) lane.setEnabled('video', false);
        else replaced = true;
      }
    }
    this.#continuing = false;
    if (!replaced || !settled) return;
    // Every lane that should flow has its key frame: the ones it replaces stop.
    for (let l = 0; l <= TOP_LAYER; l++) if (!active.has(l)) this.#lanes[l]?.setEnabled('video', false);
  }

  #makeLane(layer: number): Downstream {
    const sink: MediaSink = {
      id: this.sink.id,
      ssrc: (kind) => (kind === 'video' ? this.sink.layerSsrc(layer) : layer === 0 ? this.sink.ssrc(kind) : undefined),
      send: (kind, packet) => this.sink.send(kind, packet),
    };
    return new Downstream(
      sink,
      {
        keyframeNeeded: (kind, l) => this.hooks.keyframeNeeded(kind, l),
        nackUpstream: (kind, seqs, l) => this.hooks.nackUpstream(kind, seqs, l),
        reported: (kind, loss, now) => this.#reported(kind, loss, layer, now),
      },
      { layer },
    );
  }

  /**
   * During a try, the child's requests for resends of the tried lane (its NACKs, counted as the lane
   * answers them) against what that lane sent since the try began: too many, and the try ends now.
   */
  #watchTry(): void {
    const at = this.layers.triedAt;
    const top = this.hooks.topLayer?.();
    if (at === null || top === undefined) return void (this.#try = null);
    const layer = this.layers.want(top);
    const counters = (l: number) => ({ packets: this.#lanes[l]?.counters.packets ?? 0, nacks: this.#lanes[l]?.counters.nackAsked ?? 0 });
    if (this.#try?.at !== at) this.#try = { at, layer, ...counters(layer) };
    if (this.#try.layer !== layer || this.layer !== layer || this.#lanes[layer]!.isWaiting('video')) return;
    const now = counters(layer);
    const sent = now.packets - this.#try.packets;
    if (sent < TRY_MIN_PACKETS || now.nacks - this.#try.nacks <= sent * TRY_RESEND_SHARE) return;
    this.layers.abortTry(layer);
    // The tried layer stops now, not at the lower layer's key frame as a step down would: its own
    // key frame did not get through whole, so what follows it is of no use to the child, and it is
    // what the link cannot carry. The child shows its last picture until the lower layer's key frame.
    this.#lanes[layer]!.setEnabled('video', false);
  }

  /** A report about lane `layer`: the highest lane's loss is the edge's (its cap steps on it). */
  #reported(kind: VideoKind, loss: number, layer: number, now: number): void {
    const top = this.hooks.topLayer?.();
    if (kind !== 'video' || top === undefined || layer !== this.layer) return;
    this.layers.report(loss, layer, top, now);
  }
}

/** What a relay's subtree wants of the camera: the top layer (its own, its pages'), and each receiver's. */
export function wantedLayers(receivers: Iterable<MediaReceiver>): number[] {
  const wanted = new Set([TOP_LAYER]);
  for (const ds of receivers) {
    if (ds instanceof EdgeDownstream) for (const l of ds.active(TOP_LAYER)) wanted.add(l);
    else wanted.add(ds.layers.want(TOP_LAYER));
  }
  return [...wanted].sort((a, b) => a - b);
}

/**
 * Which layer of the camera a packet from the parent's edge is: the index of its SSRC among those
 * the parent announced for the camera (one per layer, lowest first). RTP names its SSRC at byte 8,
 * RTCP (a sender report) its sender at byte 4; a camera of one layer comes as layer 0.
 */
export function parentLayer(link: Pick<PeerLink, 'remoteSsrcs'>, kind: MediaKind, packet: Buffer): number | undefined {
  const ssrcs = link.remoteSsrcs(kind);
  if (kind !== 'video' || ssrcs.length < 2) return undefined;
  const at = isRtcpPacket(packet) ? 4 : 8;
  if (packet.length < at + 4) return undefined; // malformed: #ingest drops it
  const layer = ssrcs.indexOf(packet.readUInt32BE(at));
  return layer < 0 ? undefined : layer;
}
