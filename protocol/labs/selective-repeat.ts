/**
 * Selective Repeat: a timer per frame, individual ACKs, and a receiver that buffers out-of-order
 * frames inside its window. Only a frame whose own timer expires is sent again, which is why the
 * window may be at most half the sequence space (checked in resolveArqConfig).
 */
import type { ArqConfigInput, ArqStep } from './arq-config.js';
import type { DataFrame } from './arq-frame.js';
import { ArqReceiver } from './arq-receiver.js';
import { ArqSender } from './arq-sender.js';

export class SelectiveRepeatSender extends ArqSender {
  /** Deadline per sent, unacknowledged frame; insertion order is frame order. */
  readonly #deadlines = new Map<number, number>();
  /** Frames inside the window acknowledged before base (out of order). */
  readonly #acked = new Set<number>();

  constructor(data: Uint8Array, config: Omit<ArqConfigInput, 'protocol'>) {
    super(data, { ...config, protocol: 'sr' });
  }

  nextDeadline(): number | null {
    let min: number | null = null;
    for (const d of this.#deadlines.values()) if (min === null || d < min) min = d;
    return min;
  }

  protected handleTimeouts(now: number, step: ArqStep): void {
    // Copy: transmit() re-arms entries of the map being walked.
    for (const [frame, deadline] of [...this.#deadlines]) {
      if (deadline > now) continue;
      this.stats.timeouts++;
      this.log(step, { t: now, kind: 'timeout', frame, seq: frame % this.config.seqSpace, base: this.base, next: this.next });
      this.transmit(frame, now, step, true);
    }
  }

  protected armTimer(frame: number, at: number): void {
    // Only unacknowledged frames have a timer (a late departed() must not revive an acked one).
    if (!this.#acked.has(frame)) this.#deadlines.set(frame, at + this.config.timeout);
  }

  protected handleAck(seq: number, now: number, step: ArqStep): void {
    const offset = this.offsetFromBase(seq);
    const frame = this.base + offset;
    // Offsets past `next` are ACKs of frames before base (re-ACKs of old duplicates): stale.
    if (offset >= this.next - this.base || this.#acked.has(frame)) {
      this.stats.duplicateAcks++;
      this.log(step, { t: now, kind: 'dup-ack', seq, base: this.base, next: this.next });
      return;
    }
    this.#acked.add(frame);
    this.#deadlines.delete(frame);
    this.log(step, { t: now, kind: 'ack', frame, seq, base: this.base, next: this.next });
    let base = this.base;
    while (this.#acked.delete(base)) base++;
    this.slideTo(base, now, step);
  }
}

export class SelectiveRepeatReceiver extends ArqReceiver {
  readonly #buffer = new Map<number, { payload: Uint8Array; last: boolean }>();

  constructor(config: Omit<ArqConfigInput, 'protocol'>) {
    super({ ...config, protocol: 'sr' });
  }

  protected handleData(data: DataFrame, now: number, step: ArqStep): void {
    const { window, seqSpace } = this.config;
    const offset = this.offsetFromExpected(data.seq);
    if (offset >= window) {
      // Within the window before ours: a frame we delivered whose ACK was lost. ACK it again, or
      // the sender retransmits it forever. Anything else cannot happen with a valid window size.
      if (offset >= seqSpace - window) {
        const frame = this.expected - (seqSpace - offset);
        this.discard(frame, data.seq, now, step, 'already delivered');
        this.sendAck(data.seq, now, step, frame, 're-ACK');
      } else {
        this.discard(undefined, data.seq, now, step, 'outside the window');
      }
      return;
    }
    const frame = this.expected + offset;
    if (offset === 0) {
      this.deliver(data.payload, data.last, now, step);
      for (let held = this.#buffer.get(this.expected); held; held = this.#buffer.get(this.expected)) {
        this.#buffer.delete(this.expected);
        this.deliver(held.payload, held.last, now, step);
      }
      this.log(step, { t: now, kind: 'slide', base: this.expected, next: this.expected + window });
    } else if (this.#buffer.has(frame)) {
      this.discard(frame, data.seq, now, step, 'already buffered');
    } else {
      this.#buffer.set(frame, { payload: data.payload, last: data.last });
      this.stats.buffered++;
      this.log(step, { t: now, kind: 'buffer', frame, seq: data.seq, base: this.expected });
    }
    this.sendAck(data.seq, now, step, frame);
  }
}
