/**
 * The receiving half of an ARQ run: feeds frames to a pure ArqReceiver and sends its ACKs through
 * the seeded LossyChannel (ACK loss is applied where the ACK leaves). No timer: a receiver only
 * answers. It keeps answering after completion, since the sender may still be missing ACKs.
 */
import { type ArqConfig, type ArqEvent, type ArqReceiver, createArqReceiver, type LossyChannel } from '../../protocol/labs/arq.js';
import type { Clock } from '../../protocol/labs/rng.js';
import type { FrameSink } from './arq-send-driver.js';

export interface ArqReceiveDriverOptions {
  config: ArqConfig;
  channel: LossyChannel;
  clock: Clock;
  /** the run's event log; the driver appends to it (null: keep no events) */
  events: ArqEvent[] | null;
}

export class ArqReceiveDriver {
  readonly receiver: ArqReceiver;
  /** ACK sends the channel itself refused. */
  refused = 0;
  #closed = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly opts: ArqReceiveDriverOptions,
  ) {
    this.receiver = createArqReceiver(opts.config);
  }

  get complete(): boolean {
    return this.receiver.complete;
  }

  onFrame(bytes: Uint8Array): void {
    if (this.#closed) return;
    const now = this.opts.clock();
    const step = this.receiver.onFrame(bytes, now);
    const log = this.opts.events ?? [];
    log.push(...step.events);
    for (const frame of step.frames) {
      const out = this.opts.channel.pass(frame, now, log);
      if (out && !this.sink.send(out)) this.refused++;
    }
  }

  close(): void {
    this.#closed = true;
  }
}
