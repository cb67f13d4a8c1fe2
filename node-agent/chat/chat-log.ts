/**
 * One room's chat as this agent sees it: records accepted strictly in the host's sequence, so
 * every member shows the same order. Records that arrive early wait in a buffer; a gap asks the
 * owner to fetch history. Each newly accepted record is forwarded to this agent's tree children at
 * once (so a relay that caught up passes the catch-up down), persisted, and reported once stored.
 */
import type { ChatRecord, SignedChat } from '../../protocol/chat.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { ChatStore } from './chat-store.js';

const log = createLogger('agent:chat');

/** far more than a reattach window can miss; bounds memory against a hostile parent */
const MAX_BUFFERED = 20_000;

export type ChatLogEvents = {
  message: [rec: ChatRecord];
  gap: [after: number];
};

export class ChatLog extends TypedEmitter<ChatLogEvents> {
  readonly #buffer = new Map<number, SignedChat>();
  /** accepted records not yet handed to LevelDB: one batch per write, however fast they come */
  #unwritten: SignedChat[] = [];
  #writing: Promise<void> | null = null;

  constructor(
    readonly roomId: string,
    private readonly store: ChatStore,
    private readonly edges: EdgeTable,
    private last: number,
    private readonly indexIds = false,
  ) {
    super();
  }

  get lastSeq(): number {
    return this.last;
  }

  /** Offers verified records in any order; returns how many were new. */
  offer(items: SignedChat[]): number {
    for (const item of items) {
      const seq = item.rec.seq;
      if (seq <= this.last || this.#buffer.has(seq)) continue;
      if (this.#buffer.size >= MAX_BUFFERED) break;
      this.#buffer.set(seq, item);
    }
    const accepted: SignedChat[] = [];
    for (let next = this.#buffer.get(this.last + 1); next; next = this.#buffer.get(this.last + 1)) {
      this.#buffer.delete(next.rec.seq);
      this.last = next.rec.seq;
      accepted.push(next);
    }
    if (accepted.length) {
      this.#unwritten.push(...accepted);
      this.#writing ??= this.#drain();
      const children = this.edges.children();
      for (const item of accepted) for (const link of children) link.sendCtl({ type: 'chat', item });
    }
    if (this.#buffer.size) this.emit('gap', this.last);
    return accepted.length;
  }

  /** Resolves when every accepted record is on disk. */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#unwritten.length) {
      const batch = this.#unwritten;
      this.#unwritten = [];
      await this.store.put(this.roomId, batch, this.indexIds).catch((err: Error) => log.warn(`chat records ${batch[0]!.rec.seq}–${batch.at(-1)!.rec.seq} not stored: ${err.message}`));
      // Shown once stored: a record this agent showed is in its history after a crash (kill -9).
      for (const item of batch) this.emit('message', item.rec);
    }
    this.#writing = null;
  }
}
