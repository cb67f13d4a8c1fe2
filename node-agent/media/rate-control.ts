/**
 * How fast the source may send a video kind, as the tree's receivers say (docs/media.md, "What the
 * tree can carry"). Each hop estimates, per receiver, what that receiver's link takes, from the
 * receiver's own reports: the fraction lost in its receiver reports (a loss-based controller, as
 * in draft-ietf-rmcat-gcc §6) and, from a child agent, the REMB that carries the child's own
 * estimate for its subtree. A relay's estimate is the lowest of its receivers'; a child agent
 * reports it up once a second (with a receiver report of what it got), so the host learns what its
 * whole tree carries and the instructor's page is told (BrowserSource's REMB).
 *
 * The estimate is never below TREE_MIN_BPS: without simulcast every student gets the one encoding,
 * and a student's reports (honest or not) can lower the class's picture only that far.
 */
import { CAMERA_LAYERS } from '../../protocol/sdp.js';

/** The lowest estimate: what Chromium starts a connection at, 360p that is still readable. */
export const TREE_MIN_BPS = 300_000;
/** The highest: above every slot's own cap (the camera's 2.5 Mbit/s), so "no limit from the tree". */
export const TREE_MAX_BPS = 5_000_000;
/** A receiver whose last report is older than this no longer counts (it left, froze or never reports). */
export const REPORT_STALE_MS = 5000;
/** Reports closer together than this are ignored (a receiver cannot speed the controller up). */
const MIN_REPORT_GAP_MS = 250;
/** Loss below this lets the estimate grow (8 % a second); above LOSS_HIGH it falls with the loss. */
const LOSS_LOW = 0.02;
const LOSS_HIGH = 0.1;
const GROWTH_PER_S = 1.08;
/** Growth never takes the estimate past this multiple of what actually flowed to the receiver. */
const GROWTH_HEADROOM = 1.5;

const clamp = (bps: number): number => Math.round(Math.min(TREE_MAX_BPS, Math.max(TREE_MIN_BPS, bps)));

/**
 * What the camera's top layer is allowed at least, beside the lower layers. Chromium turns a
 * 1280x720 simulcast layer on only when, after the lower layers, the audio and the packets'
 * overhead, it can give it its minimum (600 kbit/s in libwebrtc's simulcast table) with 20 %
 * to spare (its hysteresis); allowed 1.44 Mbit/s in all, the page kept it off
 * (`npm run bench -- media-fps`, 2026-12-07).
 */
export const TOP_LAYER_MIN_BPS = 1_000_000;
/** What the camera's layers below the top one send at most (web-ui/simulcast.ts). */
const LOWER_LAYERS_BPS = CAMERA_LAYERS.slice(0, -1).reduce((sum, l) => sum + l.maxBitrate, 0);

/**
 * What the instructor's page may send for its camera (its REMB), from its slot's cap and the
 * tree's estimate over the receivers of the camera's top layer. One layer: the lower of the two,
 * as every student gets that one encoding. In simulcast layers (`layered`) each receiver gets one
 * layer, and the estimate is about the top layer alone, so the page is allowed the lower layers'
 * rates on top of it, and never so little that it turns a layer off: a layer switched off for
 * want of bandwidth could never be measured back, since an estimate grows only with what flows
 * (GROWTH_HEADROOM). A receiver whose link takes less than the top layer's minimum is stepped
 * down to a layer it takes (layer-choice.ts) instead.
 */
export function cameraBitrate(capBps: number, treeBps: number, layered: boolean): number {
  if (!layered) return Math.min(capBps, treeBps);
  return Math.min(capBps, LOWER_LAYERS_BPS + Math.max(TOP_LAYER_MIN_BPS, treeBps));
}

/** One receiver's estimate for one video kind. Times are any monotonic ms clock. */
export class ReceiverEstimate {
  #lossBps = TREE_MAX_BPS;
  #remb: number | null = null;
  #bytes = 0;
  /** bytes this hop had for the receiver but dropped from its queue (its link took no more) */
  #undelivered = 0;
  #lastReportAt: number | null = null;
  #lastAt: number | null = null;

  /** Bytes of this kind just sent to the receiver. */
  sent(bytes: number): void {
    this.#bytes += bytes;
  }

  /**
   * Bytes of this kind dropped from the receiver's queue at this hop. The receiver never sees that
   * as loss (its numbering resumes after what it got, so it has nothing to NACK), yet it is the
   * plainest sign its link takes less than is sent: counted as lost in the next report.
   */
  undelivered(bytes: number): void {
    this.#undelivered += bytes;
  }

  /**
   * A report block about this kind: `fractionLost` 0–255 (of 256), as RFC 3550 has it. Returns
   * the loss fraction it counted (with what this hop dropped), or undefined for a report ignored
   * (too soon after the last).
   */
  report(fractionLost: number, now: number): number | undefined {
    if (this.#lastReportAt !== null && now - this.#lastReportAt < MIN_REPORT_GAP_MS) return undefined;
    const since = this.#lastReportAt ?? now;
    this.#lastReportAt = this.#lastAt = now;
    const seconds = (now - since) / 1000;
    const bytes = this.#bytes;
    const undelivered = this.#undelivered;
    this.#bytes = this.#undelivered = 0;
    const hopLoss = undelivered > 0 ? undelivered / (bytes + undelivered) : 0;
    const loss = Math.max(Math.min(255, Math.max(0, fractionLost)) / 256, hopLoss);
    // A first report has no interval to rate, but its loss counts (a layer just switched to
    // would otherwise wait a second report before its loss could move it again).
    if (seconds <= 0) return loss;
    const rate = (bytes * 8) / seconds;
    if (loss > LOSS_HIGH) this.#lossBps = clamp(Math.min(this.#lossBps, rate * (1 - 0.5 * loss)));
    else if (loss < LOSS_LOW) this.#lossBps = clamp(Math.min(this.#lossBps * GROWTH_PER_S ** seconds, Math.max(this.#lossBps, rate * GROWTH_HEADROOM)));
    return loss;
  }

  /** The receiver's own estimate (a child agent's for its subtree). */
  remb(bps: number, now: number): void {
    this.#remb = clamp(bps);
    this.#lastAt = now;
  }

  /** Whether the receiver's own REMB (its subtree's estimate), not its link's loss, sets the value. */
  get rembBinds(): boolean {
    return this.#remb !== null && this.#remb <= this.#lossBps;
  }

  /** What this receiver takes, or undefined when it has said nothing lately. */
  value(now: number): number | undefined {
    if (this.#lastAt === null || now - this.#lastAt > REPORT_STALE_MS) return undefined;
    return Math.min(this.#lossBps, this.#remb ?? TREE_MAX_BPS);
  }
}

/** The lowest of the receivers' estimates and whose it is; TREE_MAX_BPS (no limit) when none counts. */
export function lowestEstimate(receivers: Iterable<[id: string, estimate: ReceiverEstimate | undefined]>, now: number): { bps: number; limitedBy: string | null } {
  let best = { bps: TREE_MAX_BPS, limitedBy: null as string | null };
  for (const [id, e] of receivers) {
    const v = e?.value(now);
    if (v !== undefined && v < best.bps) best = { bps: v, limitedBy: id };
  }
  return best;
}
