/**
 * What every ARQ sender shares: segmenting the file, the send window [base, next), framing, the
 * event log and the counters. Subclasses decide only what differs between the protocols: how an
 * ACK moves the window and what a timeout retransmits.
 *
 * Pure and event-driven: the driver calls start/onTick/onFrame with the time from its injected
 * clock (simulated or wall) and puts the returned frames on the channel. nextDeadline() tells the
 * driver when the next onTick is due, so no timer lives in here.
 */
import { type ArqConfig, type ArqConfigInput, type ArqEvent, type ArqStep, emptyStep, resolveArqConfig } from './arq-config.js';
import { decodeFrameFor, encodeFrame } from './arq-frame.js';

/** Sender counters; frames count transmissions, so a retransmission is counted again. */
export interface ArqSenderStats {
  segments: number;
  dataFramesSent: number;
  retransmissions: number;
  timeouts: number;
  acksReceived: number;
  duplicateAcks: number;
  rejected: number;
  /** Time of the ACK that completed the transfer, or null while running. */
  doneAt: number | null;
}

/** Base of the three senders; build one with createArqSender(). */
export abstract class ArqSender {
  readonly config: ArqConfig;
  readonly stats: ArqSenderStats;
  protected readonly segments: Uint8Array[];
  /** Oldest frame not yet acknowledged (absolute frame number). */
  protected base = 0;
  /** Next frame never sent yet. */
  protected next = 0;
  /**
   * When the latest copy of each outstanding frame leaves the sender. The machine stamps it when it
   * hands the frame over; a driver whose link queues frames (the simulator) moves it to the real
   * departure through departed(), because a timer that starts while the frame still waits in the
   * queue fires before its ACK can possibly arrive.
   */
  readonly #sentAt = new Map<number, number>();
  #started = false;

  constructor(data: Uint8Array, config: ArqConfigInput) {
    this.config = resolveArqConfig(config);
    const size = this.config.segmentSize;
    this.segments = [];
    for (let at = 0; at < data.length; at += size) this.segments.push(data.subarray(at, at + size));
    // An empty file is still one (empty, last) frame, so the receiver learns it is complete.
    if (this.segments.length === 0) this.segments.push(new Uint8Array(0));
    this.stats = {
      segments: this.segments.length,
      dataFramesSent: 0,
      retransmissions: 0,
      timeouts: 0,
      acksReceived: 0,
      duplicateAcks: 0,
      rejected: 0,
      doneAt: null,
    };
  }

  /** True once every frame is acknowledged. */
  get done(): boolean {
    return this.base >= this.segments.length;
  }

  /** The window as [base, next), for display. */
  get window(): { base: number; next: number } {
    return { base: this.base, next: this.next };
  }

  /** When the driver must call onTick next (clock units), or null when no timer runs. */
  abstract nextDeadline(): number | null;

  /** Sends the first window. Calling it again does nothing. */
  start(now: number): ArqStep {
    const step = emptyStep();
    if (this.#started) return step;
    this.#started = true;
    this.fillWindow(now, step);
    return step;
  }

  /** Handles the timers that expired by `now`. */
  onTick(now: number): ArqStep {
    const step = emptyStep();
    if (!this.#started || this.done) return step;
    this.handleTimeouts(now, step);
    this.fillWindow(now, step);
    return step;
  }

  /**
   * The driver reports that the latest copy of `frame` leaves the sender at `at`, later than when
   * it was handed over (it queued behind earlier frames). Its timer restarts from then, as the
   * textbook's timer starts when the frame is transmitted. Ignored for frames already acknowledged.
   */
  departed(frame: number, at: number): void {
    const sent = this.#sentAt.get(frame);
    if (sent === undefined || !(at > sent)) return;
    this.#sentAt.set(frame, at);
    this.armTimer(frame, at);
  }

  /** Handles bytes that arrived from the receiver (an ACK, or garbage). */
  onFrame(bytes: Uint8Array, now: number): ArqStep {
    const step = emptyStep();
    const decoded = decodeFrameFor(bytes, 'ack', this.config.transferId);
    if (!decoded.ok) {
      this.stats.rejected++;
      this.log(step, { t: now, kind: 'reject', seq: decoded.seq, note: decoded.note });
      return step;
    }
    const { frame } = decoded;
    if (!this.#started || this.done) {
      this.stats.duplicateAcks++;
      this.log(step, { t: now, kind: 'dup-ack', seq: frame.seq, note: 'after completion' });
      return step;
    }
    this.stats.acksReceived++;
    this.handleAck(frame.seq, now, step);
    if (this.done) {
      this.stats.doneAt = now;
      this.log(step, { t: now, kind: 'done', base: this.base, next: this.next });
      return step;
    }
    this.fillWindow(now, step);
    return step;
  }

  /** Applies an ACK's sequence number to the window. */
  protected abstract handleAck(seq: number, now: number, step: ArqStep): void;
  /** Retransmits what the expired timers call for. */
  protected abstract handleTimeouts(now: number, step: ArqStep): void;
  /** Called when a frame's latest copy leaves at `at` (handed over, or departed()). */
  protected abstract armTimer(frame: number, at: number): void;

  /** When the latest copy of an outstanding frame left the sender, or undefined if none is out. */
  protected sentAt(frame: number): number | undefined {
    return this.#sentAt.get(frame);
  }

  /** How far `seq` lies after base, modulo the sequence space. */
  protected offsetFromBase(seq: number): number {
    const space = this.config.seqSpace;
    return (((seq - this.base) % space) + space) % space;
  }

  protected transmit(frame: number, now: number, step: ArqStep, retransmission: boolean): void {
    const seq = frame % this.config.seqSpace;
    const last = frame === this.segments.length - 1;
    step.frames.push(encodeFrame({ type: 'data', transfer: this.config.transferId, seq, last, payload: this.segments[frame]! }));
    this.stats.dataFramesSent++;
    if (retransmission) this.stats.retransmissions++;
    this.log(step, { t: now, kind: retransmission ? 'retransmit' : 'send', frame, seq, base: this.base, next: this.next });
    this.#sentAt.set(frame, now);
    this.armTimer(frame, now);
  }

  protected slideTo(base: number, now: number, step: ArqStep): void {
    if (base === this.base) return;
    const from = this.base;
    for (let f = from; f < base; f++) this.#sentAt.delete(f);
    this.base = base;
    this.log(step, { t: now, kind: 'slide', base, next: this.next, note: `base ${from} → ${base}` });
  }

  protected log(step: ArqStep, event: Omit<ArqEvent, 'side'>): void {
    step.events.push({ side: 'sender', ...event });
  }

  /** Sends new frames while the window has room. */
  private fillWindow(now: number, step: ArqStep): void {
    while (this.next < this.segments.length && this.next < this.base + this.config.window) {
      const frame = this.next++;
      this.transmit(frame, now, step, false);
    }
  }
}
