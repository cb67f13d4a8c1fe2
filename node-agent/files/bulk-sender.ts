/**
 * Sends binary messages on one link's `bulk` channel without ever queueing more than HIGH bytes
 * inside libdatachannel: past that, messages wait here until the channel drains to LOW. A slow
 * child therefore slows only its own transfer, and memory stays bounded per child.
 */
import type { DataChannel } from 'node-datachannel';

const HIGH = 4 * 1024 * 1024;
const LOW = 1024 * 1024;
/** messages waiting here per link; a child that stops reading loses its link before this fills */
const MAX_QUEUED = 256;

export class BulkSender {
  readonly #queue: Buffer[] = [];

  constructor(private readonly dc: DataChannel) {
    dc.setBufferedAmountLowThreshold(LOW);
    dc.onBufferedAmountLow(() => this.#flush());
  }

  /** Queues a message; false when the queue is full (the caller reports an error). */
  send(message: Buffer): boolean {
    if (this.#queue.length >= MAX_QUEUED) return false;
    this.#queue.push(message);
    this.#flush();
    return true;
  }

  #flush(): void {
    try {
      while (this.#queue.length && this.dc.isOpen() && this.dc.bufferedAmount() < HIGH) {
        this.dc.sendMessageBinary(this.#queue.shift()!);
      }
    } catch {
      this.#queue.length = 0; // the channel closed under us; the child will ask its new parent
    }
  }
}
