/**
 * Numbers the lab compares: what a run measured, and what the textbook (Stallings) predicts for
 * link utilisation U with frame error probability p and a = propagation delay / transmission time.
 * The formulas assume ACKs are never lost and a retransmission starts right after one round trip;
 * effectiveLoss() folds ACK loss into p, which is exact for Stop-and-Wait and Selective Repeat
 * (one ACK per frame) and pessimistic for Go-Back-N (a later cumulative ACK covers a lost one).
 */
import type { ArqProtocol } from './arq-config.js';
import type { ArqReceiverStats } from './arq-receiver.js';
import type { ArqSenderStats } from './arq-sender.js';
import type { LossyChannelCounts } from './lossy-channel.js';

const checkP = (p: number): void => {
  if (!(p >= 0 && p <= 1)) throw new TypeError(`p must be in [0, 1], got ${p}`);
};
const checkA = (a: number): void => {
  if (!(a >= 0) || !Number.isFinite(a)) throw new TypeError(`a must be a finite number ≥ 0, got ${a}`);
};

/** Stop-and-Wait: U = (1 − p) / (1 + 2a). */
export function utilisationStopAndWait(p: number, a: number): number {
  checkP(p);
  checkA(a);
  return (1 - p) / (1 + 2 * a);
}

/** Go-Back-N: W ≥ 1 + 2a → (1 − p) / (1 + 2ap); otherwise W(1 − p) / ((1 + 2a)(1 − p + Wp)). */
export function utilisationGoBackN(p: number, a: number, window: number): number {
  checkP(p);
  checkA(a);
  if (window >= 1 + 2 * a) return (1 - p) / (1 + 2 * a * p);
  return (window * (1 - p)) / ((1 + 2 * a) * (1 - p + window * p));
}

/** Selective Repeat: W ≥ 1 + 2a → 1 − p; otherwise W(1 − p) / (1 + 2a). */
export function utilisationSelectiveRepeat(p: number, a: number, window: number): number {
  checkP(p);
  checkA(a);
  return window >= 1 + 2 * a ? 1 - p : (window * (1 - p)) / (1 + 2 * a);
}

/** The textbook utilisation of `protocol`. */
export function textbookUtilisation(protocol: ArqProtocol, p: number, a: number, window: number): number {
  if (protocol === 'sw') return utilisationStopAndWait(p, a);
  return protocol === 'gbn' ? utilisationGoBackN(p, a, window) : utilisationSelectiveRepeat(p, a, window);
}

/** Probability that a frame or its ACK is lost, with independent losses. */
export const effectiveLoss = (dataLoss: number, ackLoss: number): number => 1 - (1 - dataLoss) * (1 - ackLoss);

/** Summary of one transfer, for the CLI and the UI. */
export interface ArqRunStats {
  segments: number;
  bytesDelivered: number;
  /** Data frame transmissions, retransmissions included. */
  dataFramesSent: number;
  retransmissions: number;
  timeouts: number;
  acksSent: number;
  acksReceived: number;
  duplicateAcks: number;
  dataDropped: number;
  acksDropped: number;
  corrupted: number;
  /** Frames either end threw away because the checksum or format was wrong. */
  rejected: number;
  /** Clock units (ms) from start until the sender had every ACK. */
  elapsed: number;
  /** Delivered bytes per second of elapsed time. */
  goodput: number;
  /** Useful share of data transmissions: segments / dataFramesSent. */
  efficiency: number;
}

/** Combines both ends' counters and the channel's into the run summary. */
export function computeRunStats(
  sender: ArqSenderStats,
  receiver: ArqReceiverStats,
  channel: LossyChannelCounts,
  elapsed: number,
): ArqRunStats {
  return {
    segments: sender.segments,
    bytesDelivered: receiver.bytesDelivered,
    dataFramesSent: sender.dataFramesSent,
    retransmissions: sender.retransmissions,
    timeouts: sender.timeouts,
    acksSent: receiver.acksSent,
    acksReceived: sender.acksReceived,
    duplicateAcks: sender.duplicateAcks,
    dataDropped: channel.dataDropped,
    acksDropped: channel.acksDropped,
    corrupted: channel.corrupted,
    rejected: sender.rejected + receiver.rejected,
    elapsed,
    goodput: elapsed > 0 ? (receiver.bytesDelivered * 1000) / elapsed : 0,
    efficiency: sender.dataFramesSent > 0 ? sender.segments / sender.dataFramesSent : 0,
  };
}
