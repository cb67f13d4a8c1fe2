/**
 * The feedback one relay sends up its tree edge and the estimate it keeps (rate-control.ts). Once a
 * second it takes the lowest of its receivers' estimates for each video kind (its children's edges,
 * its own page) and, with a parent, sends it up in one compound RTCP packet per kind: a receiver
 * report of what arrived from the parent (fraction lost on that edge) and a REMB of the estimate.
 * The parent's Downstream for this edge reads both. On the host the estimate is what the tree
 * takes; `change` tells the live class, which tells the instructor's page.
 */
import { VIDEO_KINDS, ReceptionStats, buildReceiverReport, buildRemb, type MediaKind, type VideoKind } from '../../protocol/media.js';
import { TypedEmitter } from '../typed-emitter.js';
import { lowestEstimate, TREE_MAX_BPS, type ReceiverEstimate } from './rate-control.js';

/** How often the estimate is taken and, with a parent, sent up. */
export const FEEDBACK_INTERVAL_MS = 1000;

export interface TreeEstimate {
  bps: number;
  /** the receiver (edge or sink id) whose estimate it is; null when no receiver limits it */
  limitedBy: string | null;
}

/** Where the feedback goes and what it is about. The relay implements it. */
export interface FeedbackPorts {
  /** each receiver's estimate of `kind`, by receiver id */
  receivers(kind: VideoKind): Iterable<[string, ReceiverEstimate | undefined]>;
  /** sends RTCP up the parent edge; false when there is no parent (the host) */
  sendUp(kind: MediaKind, packet: Buffer): boolean;
}

export class TreeFeedback extends TypedEmitter<{ change: [kind: VideoKind, estimate: TreeEstimate] }> {
  readonly #reception = new Map<VideoKind, ReceptionStats>(VIDEO_KINDS.map((k) => [k, new ReceptionStats()]));
  readonly #estimates = new Map<VideoKind, TreeEstimate>(VIDEO_KINDS.map((k) => [k, { bps: TREE_MAX_BPS, limitedBy: null }]));
  readonly #timer: NodeJS.Timeout;
  /** compound reports sent up */
  sent = 0;

  constructor(
    private readonly ports: FeedbackPorts,
    private readonly senderSsrc: number,
  ) {
    super();
    this.#timer = setInterval(() => this.tick(), FEEDBACK_INTERVAL_MS);
    this.#timer.unref();
  }

  /** One RTP packet of `kind` from the parent. */
  received(kind: VideoKind, ssrc: number, seq: number): void {
    this.#reception.get(kind)!.packet(ssrc, seq);
  }

  /** A new parent (or none): what is counted starts again. */
  reset(): void {
    for (const kind of VIDEO_KINDS) this.#reception.set(kind, new ReceptionStats());
  }

  estimate(kind: VideoKind): TreeEstimate {
    return this.#estimates.get(kind)!;
  }

  /** Takes the estimates and sends them up (the timer calls this; tests may too). */
  tick(now = performance.now()): void {
    for (const kind of VIDEO_KINDS) {
      const next = lowestEstimate(this.ports.receivers(kind), now);
      const prev = this.#estimates.get(kind)!;
      if (next.bps !== prev.bps || next.limitedBy !== prev.limitedBy) {
        this.#estimates.set(kind, next);
        this.emit('change', kind, next);
      }
      const block = this.#reception.get(kind)!.block(now);
      if (!block) continue;
      const packet = Buffer.concat([buildReceiverReport(this.senderSsrc, block), buildRemb(this.senderSsrc, next.bps, [block.ssrc])]);
      if (this.ports.sendUp(kind, packet)) this.sent++;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.removeAllListeners();
  }
}
