/**
 * Chat persistence in the agent's LevelDB: sequenced records per room (keys sort by seq), the
 * host's index of message ids (so a resent message is sequenced once), and a member's outbox of
 * messages not yet acknowledged by the host. Writes go through one queue so they land in order.
 */
import type { SignedChat } from '../../protocol/chat.js';
import type { Store, Sublevel } from '../store/store.js';

const SEQ_DIGITS = 15;
const seqKey = (roomId: string, seq: number) => `${roomId}!${String(seq).padStart(SEQ_DIGITS, '0')}`;

export interface OutboxEntry {
  /** local order */
  n: number;
  id: string;
  text: string;
}

export class ChatStore {
  readonly #records: Sublevel;
  readonly #ids: Sublevel;
  readonly #outbox: Sublevel;

  constructor(store: Store) {
    this.#records = store.sublevel('chat');
    this.#ids = store.sublevel('chat-ids');
    this.#outbox = store.sublevel('chat-outbox');
  }

  async lastSeq(roomId: string): Promise<number> {
    for await (const key of this.#records.keys({ gt: `${roomId}!`, lt: `${roomId}!~`, reverse: true, limit: 1 })) {
      return Number(key.slice(roomId.length + 1));
    }
    return 0;
  }

  /** Stores records (and, on the host, their id index) in one batch. */
  async put(roomId: string, items: SignedChat[], indexIds = false): Promise<void> {
    if (!items.length) return;
    await this.#records.batch(items.map((item) => ({ type: 'put' as const, key: seqKey(roomId, item.rec.seq), value: JSON.stringify(item) })));
    if (indexIds) {
      await this.#ids.batch(items.map((item) => ({ type: 'put' as const, key: `${roomId}!${item.rec.id}`, value: String(item.rec.seq) })));
    }
  }

  async seqOfId(roomId: string, id: string): Promise<number | undefined> {
    const v = await this.#ids.get(`${roomId}!${id}`);
    return v === undefined ? undefined : Number(v);
  }

  /** Records with seq > after, in order, at most `limit`. */
  async range(roomId: string, after: number, limit = 100_000): Promise<SignedChat[]> {
    const out: SignedChat[] = [];
    for await (const value of this.#records.values({ gt: seqKey(roomId, after), lt: `${roomId}!~`, limit })) {
      out.push(JSON.parse(value) as SignedChat);
    }
    return out;
  }

  /** The last `count` records, in order. */
  async tail(roomId: string, count: number): Promise<SignedChat[]> {
    const out: SignedChat[] = [];
    for await (const value of this.#records.values({ gt: `${roomId}!`, lt: `${roomId}!~`, reverse: true, limit: count })) {
      out.push(JSON.parse(value) as SignedChat);
    }
    return out.reverse();
  }

  /** Every stored record as `room seq time name: text` lines, oldest first per room. */
  async dump(): Promise<string[]> {
    const out: string[] = [];
    for await (const [key, value] of this.#records.iterator()) {
      const { rec } = JSON.parse(value) as SignedChat;
      out.push(`${key.slice(0, 6)} #${rec.seq} ${new Date(rec.ts).toISOString()} ${rec.name}${rec.role === 'host' ? ' (host)' : ''}: ${rec.text}`);
    }
    return out;
  }

  async outbox(roomId: string): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for await (const value of this.#outbox.values({ gt: `${roomId}!`, lt: `${roomId}!~` })) out.push(JSON.parse(value) as OutboxEntry);
    return out.sort((a, b) => a.n - b.n);
  }

  addToOutbox(roomId: string, entry: OutboxEntry): Promise<void> {
    return this.#outbox.put(`${roomId}!${entry.id}`, JSON.stringify(entry));
  }

  removeFromOutbox(roomId: string, id: string): Promise<void> {
    return this.#outbox.del(`${roomId}!${id}`);
  }
}
