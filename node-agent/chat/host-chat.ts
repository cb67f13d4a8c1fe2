/**
 * The host's side of chat: the sequencer. A message from a member (over its authenticated
 * session, so the sender cannot be forged) or from the host itself is checked (mute, rate), given
 * the next sequence number, signed with the host's own key and accepted into the log, which floods
 * it down the tree; the author gets an ack. A message id seen before is acked again, never
 * sequenced twice, so an outbox resent after a reconnect delivers exactly once.
 */
import { randomBytes } from 'node:crypto';
import { CHAT_BATCH_BYTES, chatSigningBytes, type ChatRecord, type SignedChat } from '../../protocol/chat.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { HostMessage } from '../../protocol/session.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { FeatureMemberMessage, RoomHost } from '../overlay/room-host.js';
import type { ChatLog } from './chat-log.js';
import type { ChatStore } from './chat-store.js';

/** not `log`: that is the chat log this class is given */
const logger = createLogger('agent:chat');
/**
 * One history answer is at most this many batches (each ≤ CHAT_BATCH_BYTES, ~320 KB in all); a
 * member still behind asks again after the last (paging). Records are read HISTORY_READ at a time,
 * so an answer never holds more than that in the host's memory.
 */
const HISTORY_BATCHES = 8;
const HISTORY_READ = 200;
/** history answers being read at once, over all members; one per member, later asks coalesced */
const HISTORY_AT_ONCE = 4;
/** how soon after a new record every member hears the latest seq (trailing, at most once per period) */
const HEAD_PERIOD_MS = 1000;

export class HostChat {
  readonly #seqOfId = new Map<string, number>();
  /** member → the lowest `after` it asked for, waiting for its turn */
  readonly #historyWanted = new Map<string, number>();
  /** members whose history answer is being read */
  readonly #historyBusy = new Set<string>();
  readonly #off: () => void;
  #headTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: RoomHost,
    private readonly log: ChatLog,
    private readonly store: ChatStore,
    private readonly hostId: string,
  ) {
    this.#off = host.on('feature', (memberId, msg) => background(this.#onMessage(memberId, msg), logger, 'answering a chat request'));
  }

  close(): void {
    this.#off();
    if (this.#headTimer) clearTimeout(this.#headTimer);
  }

  #announceHead(): void {
    if (this.#headTimer) return;
    this.#headTimer = setTimeout(() => {
      this.#headTimer = null;
      this.host.broadcast({ type: 'chat-head', last: this.log.lastSeq });
    }, HEAD_PERIOD_MS);
    this.#headTimer.unref();
  }

  /** The host's own message. */
  sendLocal(text: string): ChatRecord {
    const result = this.#sequence(this.hostId, randomBytes(8).toString('hex'), text);
    if ('code' in result) throw new Error(result.message);
    return result;
  }

  async #onMessage(memberId: string, msg: FeatureMemberMessage): Promise<void> {
    if (msg.type === 'chat-history') return this.#askedHistory(memberId, msg.after);
    if (msg.type !== 'chat-send') return;
    const result = this.#sequence(memberId, msg.id, msg.text);
    const reply: HostMessage = 'code' in result ? { type: 'chat-refused', id: msg.id, ...result } : { type: 'chat-ack', id: msg.id, seq: result.seq };
    if ('code' in result) this.host.sendTo(memberId, reply);
    else background(this.log.flushed().then(() => this.host.sendTo(memberId, reply)), logger, 'acking a chat message'); // once it is on disk
  }

  #sequence(from: string, id: string, text: string): ChatRecord | { code: ErrorCode; message: string; retryAfterMs?: number } {
    const seen = this.#seqOfId.get(id);
    if (seen !== undefined) return { ...this.#recordOf(seen, id, from, text) };
    if (this.host.isMuted(from)) return { code: 'CHAT_MUTED', message: 'The instructor has muted your chat.' };
    const wait = this.host.admit('chat', from); // per member and per address; never the instructor
    if (wait > 0) return { code: 'THROTTLED', message: 'Sending too fast; the message will be retried.', retryAfterMs: wait };
    const rec = this.#recordOf(this.log.lastSeq + 1, id, from, text);
    this.#seqOfId.set(id, rec.seq);
    const item: SignedChat = { rec, sig: this.host.identity.sign(chatSigningBytes(rec)) };
    this.log.offer([item]);
    this.#announceHead();
    return rec;
  }

  #recordOf(seq: number, id: string, from: string, text: string): ChatRecord {
    const name = this.host.memberName(from) ?? 'unknown';
    return { seq, id, from, name, role: from === this.hostId ? 'host' : 'student', text, ts: Date.now() };
  }

  /**
   * A member's history request: past its budget it is dropped (the member asks again on its next
   * gap or chat-head); otherwise queued, one per member (a later ask while one waits lowers its
   * `after`), and read at most HISTORY_AT_ONCE at a time.
   */
  #askedHistory(memberId: string, after: number): void {
    if (this.host.admit('history', memberId) > 0) return;
    const earlier = this.#historyWanted.get(memberId);
    this.#historyWanted.set(memberId, earlier === undefined ? after : Math.min(earlier, after));
    this.#pumpHistory();
  }

  #pumpHistory(): void {
    for (const [memberId, after] of this.#historyWanted) {
      if (this.#historyBusy.size >= HISTORY_AT_ONCE) return;
      if (this.#historyBusy.has(memberId)) continue;
      this.#historyWanted.delete(memberId);
      this.#historyBusy.add(memberId);
      const done = () => {
        this.#historyBusy.delete(memberId);
        this.#pumpHistory();
      };
      background(this.#sendHistory(memberId, after).finally(done), logger, 'answering a history request');
    }
  }

  /**
   * Records after `after` in up to HISTORY_BATCHES batches (each ≤ CHAT_BATCH_BYTES, at least one
   * record when there is any); every batch but the answer's last carries `more`.
   */
  async #sendHistory(memberId: string, after: number): Promise<void> {
    await this.log.flushed();
    let batch: SignedChat[] = [];
    let bytes = 0;
    let sent = 0;
    const flush = (more: boolean) => {
      this.host.sendTo(memberId, { type: 'chat-batch', items: batch, last: this.log.lastSeq, ...(more ? { more } : {}) });
      batch = [];
      bytes = 0;
      sent++;
    };
    for (let from = after; ; ) {
      const items = await this.store.range(this.log.roomId, from, HISTORY_READ);
      for (const item of items) {
        const size = Buffer.byteLength(JSON.stringify(item), 'utf8');
        if (bytes + size > CHAT_BATCH_BYTES && batch.length) {
          if (sent + 1 >= HISTORY_BATCHES) return flush(false);
          flush(true);
        }
        batch.push(item);
        bytes += size;
        from = item.rec.seq;
      }
      if (items.length < HISTORY_READ) return flush(false);
    }
  }
}
