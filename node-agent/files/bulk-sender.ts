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
  #dead = false;

  /** A channel that closed before this was made (its link died mid-request) gives a dead sender. */
  constructor(private readonly dc: DataChannel) {
    try {
      dc.setBufferedAmountLowThreshold(LOW);
      dc.onBufferedAmountLow(() => this.#flush());
    } catch {
      this.#dead = true; // node-datachannel throws on a destroyed channel
    }
  }

  /** True once the channel is gone: `send` will never succeed again. */
  get closed(): boolean {
    if (this.#dead) return true;
    try {
      return !this.dc.isOpen();
    } catch {
      return (this.#dead = true);
    }
  }

  /** Queues a message; false when the queue is full or the channel is gone (the caller reports an error). */
  send(message: Buffer): boolean {
    if (this.#dead || this.#queue.length >= MAX_QUEUED) return false;
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
