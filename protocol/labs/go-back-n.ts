/**
 * Go-Back-N: one timer for the oldest unacknowledged frame, cumulative ACKs carrying the next
 * frame expected, and a receiver that accepts only that frame. On a timeout the whole outstanding
 * window is sent again. Stop-and-Wait is this protocol with a window of one.
 */
import type { ArqConfigInput, ArqStep } from './arq-config.js';
import type { DataFrame } from './arq-frame.js';
import { ArqReceiver } from './arq-receiver.js';
import { ArqSender } from './arq-sender.js';

type GbnConfig = Omit<ArqConfigInput, 'protocol'> & { protocol?: 'gbn' | 'sw' };

export class GoBackNSender extends ArqSender {
  constructor(data: Uint8Array, config: GbnConfig) {
    super(data, { ...config, protocol: config.protocol ?? 'gbn' });
  }

  /**
   * The timer of the oldest outstanding frame, counted from when its latest copy left (one timer
   * per frame in principle, as in Tanenbaum's protocol 5; only the oldest can expire first). A
   * timer restarted on every ACK instead would detect a loss up to one round trip late.
   */
  nextDeadline(): number | null {
    if (this.base >= this.next) return null;
    return this.sentAt(this.base)! + this.config.timeout;
  }

  protected handleTimeouts(now: number, step: ArqStep): void {
    const deadline = this.nextDeadline();
    if (deadline === null || deadline > now) return;
    this.stats.timeouts++;
    this.log(step, { t: now, kind: 'timeout', frame: this.base, seq: this.base % this.config.seqSpace, base: this.base, next: this.next });
    for (let frame = this.base; frame < this.next; frame++) this.transmit(frame, now, step, true);
  }

  protected armTimer(): void {
    // Nothing to do: nextDeadline() reads the send time of the oldest frame.
  }

  protected handleAck(seq: number, now: number, step: ArqStep): void {
    const offset = this.offsetFromBase(seq);
    // offset 0: the receiver still expects base (a duplicate ACK); beyond next: stale.
    if (offset === 0 || offset > this.next - this.base) {
      this.stats.duplicateAcks++;
      this.log(step, { t: now, kind: 'dup-ack', seq, base: this.base, next: this.next });
      return;
    }
    const upTo = this.base + offset;
    this.log(step, { t: now, kind: 'ack', frame: upTo - 1, seq, base: this.base, next: this.next, note: `cumulative: frames < ${upTo}` });
    this.slideTo(upTo, now, step);
  }
}

export class GoBackNReceiver extends ArqReceiver {
  constructor(config: GbnConfig) {
    super({ ...config, protocol: config.protocol ?? 'gbn' });
  }

  protected handleData(data: DataFrame, now: number, step: ArqStep): void {
    if (this.offsetFromExpected(data.seq) === 0) {
      this.deliver(data.payload, data.last, now, step);
    } else {
      this.discard(undefined, data.seq, now, step, `out of order (expecting ${this.expected % this.config.seqSpace})`);
    }
    // Cumulative: always tell the sender what we expect next, also for discarded frames.
    const seq = this.expected % this.config.seqSpace;
    this.sendAck(seq, now, step, this.expected > 0 ? this.expected - 1 : undefined, `next expected ${seq}`);
  }
}
