/**
 * The feedback one relay sends up its tree edge and the estimate it keeps (rate-control.ts). Once a
 * second it takes the lowest of its receivers' estimates for each video kind (its children's edges,
 * its own page) and, with a parent, sends it up in one compound RTCP packet per kind: a receiver
 * report of what arrived from the parent (fraction lost on that edge) and a REMB of the estimate.
 * The parent's Downstream for this edge reads both. Beside them goes `rate-limit` on `ctl`: the
 * member whose link it is (the child itself when its own link's loss sets it, or whom the child
 * named when its REMB does), so the host can tell the instructor who holds the picture down. On the
 * host the estimate is what the tree takes; `change` tells the live class, which tells the page.
 */
import type { CtlMessage } from '../../protocol/ctl.js';
import { VIDEO_KINDS, ReceptionStats, buildReceiverReport, buildRemb, type MediaKind, type RateEstimate, type ReportBlock, type VideoKind } from '../../protocol/media.js';
import { TypedEmitter } from '../typed-emitter.js';
import { lowestEstimate, TREE_MAX_BPS, type ReceiverEstimate } from './rate-control.js';

/** How often the estimate is taken and, with a parent, sent up. */
export const FEEDBACK_INTERVAL_MS = 1000;

export type TreeEstimate = RateEstimate;

/** Where the feedback goes and what it is about. The relay implements it. */
export interface FeedbackPorts {
  /** each receiver's estimate of `kind`, by receiver id */
  receivers(kind: VideoKind): Iterable<[string, ReceiverEstimate | undefined]>;
  /** sends RTCP up the parent edge; false when there is no parent (the host) */
  sendUp(kind: MediaKind, packet: Buffer): boolean;
  /** sends a `ctl` message up the parent edge; false when there is none */
  sendCtlUp(message: CtlMessage): boolean;
}

/** At most this many streams of one kind are reported (the camera's simulcast layers); a parent announcing more gets the newest. */
const MAX_STREAMS = 4;
/** A stream of the parent's with nothing for this long is no longer reported (a layer the parent stopped). */
const STREAM_STALE_MS = 2000;

export class TreeFeedback extends TypedEmitter<{ change: [kind: VideoKind, estimate: TreeEstimate] }> {
  /** per kind, what arrived of each SSRC (the camera: one per simulcast layer) and when it last did */
  readonly #reception = new Map<VideoKind, Map<number, { stats: ReceptionStats; at: number }>>(VIDEO_KINDS.map((k) => [k, new Map()]));
  readonly #estimates = new Map<VideoKind, TreeEstimate>(VIDEO_KINDS.map((k) => [k, { bps: TREE_MAX_BPS, limitedBy: null, peer: null, member: null }]));
  readonly #timer: NodeJS.Timeout;
  /** this agent's member id (for its own pages' receivers, `local:…`) */
  #me: string | null = null;
  /** child edge → the member at its other end */
  readonly #peers = new Map<string, string>();
  /** child edge → whom that child last named (`rate-limit`) */
  readonly #named = new Map<string, Record<VideoKind, string | null>>();
  /** compound reports sent up */
  sent = 0;
  /** the fraction of the parent's video lost in the last second (0–1), as the last report up said; null before one */
  lastLoss: number | null = null;

  constructor(
    private readonly ports: FeedbackPorts,
    private readonly senderSsrc: number,
  ) {
    super();
    this.#timer = setInterval(() => this.tick(), FEEDBACK_INTERVAL_MS);
    this.#timer.unref();
  }

  /** One RTP packet of `kind` from the parent. */
  received(kind: VideoKind, ssrc: number, seq: number, now = performance.now()): void {
    const streams = this.#reception.get(kind)!;
    let stream = streams.get(ssrc);
    if (!stream) {
      if (streams.size >= MAX_STREAMS) streams.delete(streams.keys().next().value!);
      streams.set(ssrc, (stream = { stats: new ReceptionStats(), at: now }));
    }
    stream.stats.packet(ssrc, seq);
    stream.at = now;
  }

  /** A new parent (or none): what is counted starts again. */
  reset(): void {
    this.lastLoss = null;
    for (const kind of VIDEO_KINDS) this.#reception.set(kind, new Map());
  }

  /** This agent's id in its room (null: no room). */
  setMe(id: string | null): void {
    this.#me = id;
  }

  /** A child edge opened to `peer`, or (peer null) closed. */
  setChild(edge: string, peer: string | null): void {
    if (peer) this.#peers.set(edge, peer);
    else this.#peers.delete(edge);
    this.#named.delete(edge);
  }

  /** A child said whom its subtree's estimate is about (`rate-limit` on ctl); other edges are ignored. */
  childNamed(edge: string, named: Record<VideoKind, string | null>): void {
    if (this.#peers.has(edge)) this.#named.set(edge, named);
  }

  estimate(kind: VideoKind): TreeEstimate {
    return this.#estimates.get(kind)!;
  }

  /** Takes the estimates and sends them up (the timer calls this; tests may too). */
  tick(now = performance.now()): void {
    for (const kind of VIDEO_KINDS) {
      const receivers = [...this.ports.receivers(kind)];
      const lowest = lowestEstimate(receivers, now);
      const next: TreeEstimate = { ...lowest, ...this.#membersOf(lowest.limitedBy, kind, receivers) };
      const prev = this.#estimates.get(kind)!;
      if (next.bps !== prev.bps || next.limitedBy !== prev.limitedBy || next.member !== prev.member) {
        this.#estimates.set(kind, next);
        this.emit('change', kind, next);
      }
      const blocks = this.#blocks(kind, now);
      if (!blocks.length) continue;
      if (kind === 'video') this.lastLoss = Math.max(...blocks.map((b) => b.fractionLost)) / 256;
      // One receiver report per stream (each layer is its own), then the REMB about them all.
      const reports = blocks.map((b) => buildReceiverReport(this.senderSsrc, b));
      const packet = Buffer.concat([...reports, buildRemb(this.senderSsrc, next.bps, blocks.map((b) => b.ssrc))]);
      if (this.ports.sendUp(kind, packet)) this.sent++;
    }
    this.ports.sendCtlUp({ type: 'rate-limit', video: this.estimate('video').member, screen: this.estimate('screen').member });
  }

  /** A report block for each stream of `kind` that sent lately; the stale ones are forgotten. */
  #blocks(kind: VideoKind, now: number): ReportBlock[] {
    const streams = this.#reception.get(kind)!;
    const blocks: ReportBlock[] = [];
    for (const [ssrc, stream] of streams) {
      if (now - stream.at > STREAM_STALE_MS) streams.delete(ssrc);
      else blocks.push(stream.stats.block(now)!);
    }
    return blocks;
  }

  /** The member at the other end of receiver `id`, and whose link sets its estimate: that member's own (loss), or whom it named (its REMB). */
  #membersOf(id: string | null, kind: VideoKind, receivers: [string, ReceiverEstimate | undefined][]): { peer: string | null; member: string | null } {
    if (id === null) return { peer: null, member: null };
    const peer = id.startsWith('local:') ? this.#me : (this.#peers.get(id) ?? null);
    const rembBinds = receivers.find(([r]) => r === id)?.[1]?.rembBinds ?? false;
    return { peer, member: rembBinds ? (this.#named.get(id)?.[kind] ?? peer) : peer };
  }

  close(): void {
    clearInterval(this.#timer);
    this.removeAllListeners();
  }
}
