/**
 * The relay's counters for `media-stats` (protocol/media.ts MediaStats): what came in from
 * upstream, what was dropped where it arrived, the clocks of the last video and screen packets, and
 * the totals of receivers that are gone, so no total ever goes backwards when a child leaves.
 * MediaRelay owns one and tells it what happened; `stats` adds its live receivers' counters.
 */
import { MEDIA_KINDS, VIDEO_STALL_MS, type MediaCounters, type MediaKind, type MediaStats } from '../../protocol/media.js';
import type { DownstreamCounters } from './downstream.js';

const zero = (): MediaCounters => ({ packets: 0, bytes: 0, keyframes: 0 });

/** What the relay knows beyond counting, for `stats`. */
export type RelayState = Pick<MediaStats, 'upstream' | 'children' | 'estimate' | 'feedbackSent' | 'layers' | 'upstreamLoss' | 'repair'>;

export class RelayCounters {
  readonly in = Object.fromEntries(MEDIA_KINDS.map((k) => [k, zero()])) as Record<MediaKind, MediaCounters>;
  readonly dropped = { malformed: 0, oversized: 0, unexpected: 0 };
  readonly senderReportsIn = Object.fromEntries(MEDIA_KINDS.map((k) => [k, 0])) as Record<MediaKind, number>;
  nackForwarded = 0;
  keyframeUpstream = 0;
  /** pictures replayed to new pages from the cache */
  replayed = 0;
  #lastVideoAt: number | null = null;
  #lastKeyframeAt: number | null = null;
  #videoResumedAt: number | null = null;
  #lastScreenAt: number | null = null;
  readonly #gone = { packets: 0, bytes: 0, queue: 0, gate: 0, asked: 0, resent: 0, fromChildren: 0, throttled: 0, senderReports: 0, switches: 0, malformed: 0 };

  /** wall clock (ms) of the last screen packet, or null */
  get lastScreenAt(): number | null {
    return this.#lastScreenAt;
  }

  /** An RTP packet of `kind` accepted from upstream. */
  taken(kind: MediaKind, bytes: number, keyframe: boolean): void {
    const c = this.in[kind];
    c.packets++;
    c.bytes += bytes;
    if (kind === 'video') {
      const now = Date.now();
      if (this.#lastVideoAt !== null && now - this.#lastVideoAt >= VIDEO_STALL_MS) this.#videoResumedAt = now;
      this.#lastVideoAt = now;
      if (keyframe) {
        c.keyframes++;
        this.#lastKeyframeAt = now;
      }
    } else if (kind === 'screen') {
      this.#lastScreenAt = Date.now();
      if (keyframe) c.keyframes++;
    }
  }

  /** A receiver is gone: its counters join the totals. */
  retire(c: DownstreamCounters): void {
    const g = this.#gone;
    g.packets += c.packets;
    g.bytes += c.bytes;
    g.queue += c.droppedQueue;
    g.gate += c.droppedWaitingForKeyframe;
    g.asked += c.nackAsked;
    g.resent += c.nackResent;
    g.fromChildren += c.keyframeRequests;
    g.throttled += c.keyframeThrottled;
    g.senderReports += c.senderReports;
    g.switches += c.layerSwitches;
    g.malformed += c.malformedRtcp;
  }

  /** The stats, with the live receivers' counters added to the gone ones'. */
  stats(live: readonly DownstreamCounters[], state: RelayState): MediaStats {
    const g = this.#gone;
    const sum = (f: (c: DownstreamCounters) => number) => live.reduce((a, c) => a + f(c), 0);
    return {
      t: Date.now(),
      upstream: state.upstream,
      in: structuredClone(this.in),
      out: { packets: g.packets + sum((c) => c.packets), bytes: g.bytes + sum((c) => c.bytes) },
      children: state.children,
      dropped: {
        ...this.dropped,
        malformed: this.dropped.malformed + g.malformed + sum((c) => c.malformedRtcp),
        queue: g.queue + sum((c) => c.droppedQueue),
        waitingForKeyframe: g.gate + sum((c) => c.droppedWaitingForKeyframe),
      },
      nack: { asked: g.asked + sum((c) => c.nackAsked), resent: g.resent + sum((c) => c.nackResent), forwarded: this.nackForwarded },
      keyframeRequests: { fromChildren: g.fromChildren + sum((c) => c.keyframeRequests), throttled: g.throttled + sum((c) => c.keyframeThrottled), upstream: this.keyframeUpstream },
      senderReports: { in: { ...this.senderReportsIn }, out: g.senderReports + sum((c) => c.senderReports) },
      lastVideoAt: this.#lastVideoAt,
      lastKeyframeAt: this.#lastKeyframeAt,
      videoResumedAt: this.#videoResumedAt,
      lastScreenAt: this.#lastScreenAt,
      estimate: state.estimate,
      feedbackSent: state.feedbackSent,
      layers: state.layers,
      layerSwitches: g.switches + sum((c) => c.layerSwitches),
      upstreamLoss: state.upstreamLoss,
      repair: state.repair,
      replayed: this.replayed,
    };
  }
}
