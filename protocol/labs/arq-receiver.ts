/**
 * What every ARQ receiver shares: checking frames, in-order delivery to the application, ACK
 * framing, the event log and counters. Subclasses decide what to accept: Go-Back-N only the next
 * frame in order, Selective Repeat anything inside its window (buffered until the gap fills).
 *
 * `expected` is the next frame to deliver (absolute); wire sequence numbers are mapped back to
 * absolute frame numbers relative to it, which the window-size rules make unambiguous.
 */
import { type ArqConfig, type ArqConfigInput, type ArqEvent, type ArqStep, emptyStep, resolveArqConfig } from './arq-config.js';
import { type DataFrame, decodeFrameFor, encodeFrame } from './arq-frame.js';

/** Receiver counters; `framesReceived` counts valid data frames, duplicates included. */
export interface ArqReceiverStats {
  framesReceived: number;
  delivered: number;
  bytesDelivered: number;
  buffered: number;
  discarded: number;
  rejected: number;
  acksSent: number;
  /** Time the last segment was delivered, or null while incomplete. */
  completeAt: number | null;
}

/** Base of the three receivers; build one with createArqReceiver(). */
export abstract class ArqReceiver {
  readonly config: ArqConfig;
  readonly stats: ArqReceiverStats = {
    framesReceived: 0,
    delivered: 0,
    bytesDelivered: 0,
    buffered: 0,
    discarded: 0,
    rejected: 0,
    acksSent: 0,
    completeAt: null,
  };
  /** Next frame to deliver in order. */
  protected expected = 0;
  #lastFrame: number | null = null;
  readonly #chunks: Uint8Array[] = [];

  constructor(config: ArqConfigInput) {
    this.config = resolveArqConfig(config);
  }

  /** True once the frame flagged `last` and everything before it were delivered. */
  get complete(): boolean {
    return this.#lastFrame !== null && this.expected > this.#lastFrame;
  }

  /** Everything delivered so far, concatenated. */
  output(): Uint8Array {
    const out = new Uint8Array(this.stats.bytesDelivered);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Handles bytes from the sender; keeps answering after completion, since ACKs get lost too. */
  onFrame(bytes: Uint8Array, now: number): ArqStep {
    const step = emptyStep();
    const decoded = decodeFrameFor(bytes, 'data', this.config.transferId);
    if (!decoded.ok) {
      // Not ACKed: a frame of an earlier run must not move the sender of this one.
      this.stats.rejected++;
      this.log(step, { t: now, kind: 'reject', seq: decoded.seq, note: decoded.note });
      return step;
    }
    const { frame } = decoded;
    this.stats.framesReceived++;
    this.handleData(frame, now, step);
    return step;
  }

  protected abstract handleData(frame: DataFrame, now: number, step: ArqStep): void;

  /** Offset of `seq` after `expected`, modulo the sequence space. */
  protected offsetFromExpected(seq: number): number {
    const space = this.config.seqSpace;
    return (((seq - this.expected) % space) + space) % space;
  }

  /** Hands the next in-order frame to the application. */
  protected deliver(payload: Uint8Array, last: boolean, now: number, step: ArqStep): void {
    const frame = this.expected++;
    this.#chunks.push(payload);
    step.delivered.push(payload);
    this.stats.delivered++;
    this.stats.bytesDelivered += payload.length;
    if (last) this.#lastFrame = frame;
    this.log(step, { t: now, kind: 'deliver', frame, seq: frame % this.config.seqSpace, base: this.expected, note: `${payload.length} B` });
    if (this.complete && this.stats.completeAt === null) this.stats.completeAt = now;
  }

  protected sendAck(seq: number, now: number, step: ArqStep, frame?: number, note?: string): void {
    step.frames.push(encodeFrame({ type: 'ack', transfer: this.config.transferId, seq }));
    this.stats.acksSent++;
    this.log(step, { t: now, kind: 'ack-send', seq, ...(frame === undefined ? {} : { frame }), ...(note ? { note } : {}) });
  }

  protected discard(frame: number | undefined, seq: number, now: number, step: ArqStep, note: string): void {
    this.stats.discarded++;
    this.log(step, { t: now, kind: 'discard', seq, ...(frame === undefined ? {} : { frame }), note });
  }

  protected log(step: ArqStep, event: Omit<ArqEvent, 'side'>): void {
    step.events.push({ side: 'receiver', ...event });
  }
}
