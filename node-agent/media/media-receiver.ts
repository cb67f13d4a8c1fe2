/**
 * The receivers of a relay's media as the relay sees them: where a Downstream sends (MediaSink),
 * what it asks of the relay (DownstreamHooks), what it counts, and what every kind of receiver
 * (a Downstream, a child's EdgeDownstream of several layers) offers the relay (MediaReceiver).
 */
import type { LayerChoice } from './layer-choice.js';
import type { ReceiverEstimate } from './rate-control.js';
import type { MediaKind, RtpInfo, VideoKind } from '../../protocol/media.js';

/** Where a Downstream sends: a tree edge, or a page's link (browser-viewer.ts). */
export interface MediaSink {
  readonly id: string;
  /** the SSRC the receiver expects for `kind` (announced in its SDP) */
  ssrc(kind: MediaKind): number | undefined;
  /** one raw RTP/RTCP packet; false when it could not go out now */
  send(kind: MediaKind, packet: Buffer): boolean;
}

export interface DownstreamHooks {
  /**
   * the receiver asked for a key frame of `kind`, or its queue overflowed (the relay rate-limits);
   * `layer`: of that simulcast layer of the camera only (the one it gets, or is to switch to)
   */
  keyframeNeeded(kind: VideoKind, layer?: number): void;
  /** NACKed packets this hop no longer has, in upstream numbering; `layer`: of that simulcast layer of the camera */
  nackUpstream(kind: MediaKind, seqs: number[], layer?: number): void;
  /** the highest simulcast layer of the camera that flows now; undefined for a source of one layer */
  topLayer?(): number | undefined;
  /** a receiver report about `kind` counted this loss fraction (0–1), its hop's own drops included */
  reported?(kind: VideoKind, loss: number, now: number): void;
}

export interface DownstreamCounters {
  packets: number;
  bytes: number;
  droppedQueue: number;
  droppedWaitingForKeyframe: number;
  nackAsked: number;
  nackResent: number;
  keyframeRequests: number;
  /** key frame requests from this receiver inside its RECEIVER_KEYFRAME_MS window: not passed on */
  keyframeThrottled: number;
  malformedRtcp: number;
  /** sender reports passed on to this receiver */
  senderReports: number;
  /** simulcast layer steps, down and up (layer-choice.ts) */
  layerSwitches: number;
}

/**
 * One receiver as the relay sees it: a Downstream (a page, or any receiver of one layer at a
 * time), or a child's tree edge, which may carry several layers of the camera (edge-downstream.ts).
 */
export interface MediaReceiver {
  readonly counters: DownstreamCounters;
  /** what its link takes of each video kind */
  readonly estimates: { get(kind: VideoKind): ReceiverEstimate | undefined };
  /** which layer of the camera its link takes */
  readonly layers: LayerChoice;
  /** the (highest) layer of the camera it gets; null: none yet, or one layer */
  readonly layer: number | null;
  readonly queued: number;
  push(kind: MediaKind, packet: Buffer, rtp: RtpInfo, keyframe: boolean, layer?: number): void;
  forwardSenderReport(kind: MediaKind, packet: Buffer, offset: number, layer?: number): void;
  handleRtcp(packet: Buffer): void;
  setEnabled(kind: MediaKind, enabled: boolean): void;
  isEnabled(kind: MediaKind): boolean;
  continueStream(): void;
  resync(kind: MediaKind): void;
  close(): void;
}
