/**
 * The sending half of an ARQ run on the wall clock: drives a pure ArqSender over any lab endpoint,
 * puts every data frame through the seeded LossyChannel before the real send, and keeps one timer
 * at the sender's next deadline (re-armed only when that deadline changes). The receiving half may
 * sit in the same process (runArqOverChannel) or in another member's agent (LabService).
 */
import { type ArqConfig, type ArqEvent, type ArqSender, type ArqStep, createArqSender, type LossyChannel } from '../../protocol/labs/arq.js';
import type { Clock } from '../../protocol/labs/rng.js';

/** Where the sender's frames go: false when the channel refused one (closed or full). */
export interface FrameSink {
  send(bytes: Uint8Array): boolean;
}

export interface ArqSendDriverOptions {
  config: ArqConfig;
  data: Uint8Array;
  /** decides the fate of each data frame; may be shared with the receiving half */
  channel: LossyChannel;
  clock: Clock;
  /** the run's event log; the driver appends to it */
  events: ArqEvent[];
  /** keep at most this many events (the first ones); later ones are counted only */
  maxEvents?: number;
}

export class ArqSendDriver {
  readonly sender: ArqSender;
  /** Sends the channel itself refused, on top of the seeded loss. */
  refused = 0;
  /** Events not kept because of maxEvents. */
  eventsDropped = 0;
  readonly done: Promise<void>;
  #resolveDone!: () => void;
  #timer: NodeJS.Timeout | null = null;
  #armedFor: number | null = null;
  #closed = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly opts: ArqSendDriverOptions,
  ) {
    this.sender = createArqSender(opts.data, opts.config);
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Sends the first window. */
  start(): void {
    const now = this.opts.clock();
    this.#emit(this.sender.start(now), now);
    this.#arm();
  }

  /** Bytes that came back from the receiver (an ACK, or anything else: rejected by the machine). */
  onFrame(bytes: Uint8Array): void {
    if (this.#closed) return;
    const now = this.opts.clock();
    this.#emit(this.sender.onFrame(bytes, now), now);
    this.#arm();
  }

  /** Stops the timer; the driver does nothing after this. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #emit(step: ArqStep, now: number): void {
    const { events, maxEvents = Infinity } = this.opts;
    for (const e of step.events) {
      if (events.length < maxEvents) events.push(e);
      else this.eventsDropped++;
    }
    for (const frame of step.frames) {
      const log: ArqEvent[] = [];
      const bytes = this.opts.channel.pass(frame, now, log);
      for (const e of log) {
        if (events.length < maxEvents) events.push(e);
        else this.eventsDropped++;
      }
      if (bytes && !this.sink.send(bytes)) this.refused++;
    }
  }

  #arm(): void {
    if (this.#closed) return;
    if (this.sender.done) {
      this.close();
      this.#resolveDone();
      return;
    }
    const deadline = this.sender.nextDeadline();
    // Most ACKs leave the earliest deadline unchanged: keep the timer rather than churn it.
    if (deadline === this.#armedFor && this.#timer) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = deadline;
    if (deadline === null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      const now = this.opts.clock();
      this.#emit(this.sender.onTick(now), now);
      this.#arm();
    }, Math.max(0, Math.ceil(deadline - this.opts.clock())));
  }
}
