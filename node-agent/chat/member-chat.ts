/**
 * A student's side of chat. Records arrive down the tree (from the parent link, signature checked
 * against the host's key) or as history from the host over the session; the log puts them in
 * order. Messages typed here go to a persistent outbox first and leave it only when the host
 * acknowledges them, so a message typed offline, or lost with a dying session, is sent again on
 * reconnect and, the host deduplicating by id, delivered exactly once.
 */
import { randomBytes } from 'node:crypto';
import { chatSigningBytes, type SignedChat } from '../../protocol/chat.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import type { ErrorCode } from '../../protocol/errors.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import { hostVerifier } from '../overlay/host-identity.js';
import type { PeerLink } from '../overlay/peer-link.js';
import type { FeatureHostMessage, RoomMember } from '../overlay/room-member.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { ChatLog } from './chat-log.js';
import type { ChatStore, OutboxEntry } from './chat-store.js';

const log = createLogger('agent:chat');
/** a history request unanswered this long is sent again */
const HISTORY_RETRY_MS = 2000;

export type MemberChatEvents = {
  outbox: [pending: OutboxEntry[]];
  refused: [id: string, code: ErrorCode, message: string];
};

export class MemberChat extends TypedEmitter<MemberChatEvents> {
  /** records dropped for a bad signature (a relay tampering) */
  forged = 0;
  readonly #verify: (data: Buffer, sig: string) => boolean;
  readonly #pending = new Map<string, OutboxEntry>();
  readonly #disposables: (() => void)[] = [];
  #historyAsked = 0;
  /** messages the host refused THROTTLED: sent again one at a time, in the order they were typed */
  readonly #throttled = new Set<string>();
  #throttleTimer: NodeJS.Timeout | null = null;
  #counter = 0;
  #closed = false;

  constructor(
    private readonly member: RoomMember,
    private readonly log: ChatLog,
    private readonly store: ChatStore,
    pending: OutboxEntry[],
  ) {
    super();
    this.#verify = hostVerifier(member.info!.hostKey);
    for (const e of pending) this.#pending.set(e.id, e);
    this.#counter = pending.reduce((n, e) => Math.max(n, e.n), 0);
    this.#disposables.push(
      member.edges.on('ctl', (link, msg) => this.#onCtl(link, msg)),
      member.edges.on('open', (link) => link === member.edges.parent && this.#askHistory(true)),
      member.on('feature', (msg) => this.#onHost(msg)),
      member.on('welcome', () => this.#online()),
      log.on('gap', () => this.#askHistory(false)),
    );
    this.#online();
  }

  get pending(): OutboxEntry[] {
    return [...this.#pending.values()];
  }

  /** Queues a message; it is sent now if the host is reachable, else on reconnect. */
  async send(text: string): Promise<OutboxEntry> {
    const entry: OutboxEntry = { n: ++this.#counter, id: randomBytes(8).toString('hex'), text };
    this.#pending.set(entry.id, entry);
    await this.store.addToOutbox(this.log.roomId, entry);
    this.emit('outbox', this.pending);
    this.member.send({ type: 'chat-send', id: entry.id, text });
    return entry;
  }

  close(): void {
    this.#closed = true;
    if (this.#throttleTimer) clearTimeout(this.#throttleTimer);
    for (const d of this.#disposables.splice(0)) d();
    this.removeAllListeners();
  }

  #online(): void {
    if (!this.member.online) return;
    this.#askHistory(true);
    for (const e of this.pending) this.member.send({ type: 'chat-send', id: e.id, text: e.text });
  }

  #askHistory(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.#historyAsked < HISTORY_RETRY_MS) return;
    this.#historyAsked = now;
    this.member.send({ type: 'chat-history', after: this.log.lastSeq });
  }

  #accept(items: SignedChat[]): void {
    const good = items.filter((item) => {
      if (this.#verify(chatSigningBytes(item.rec), item.sig)) return true;
      this.forged++;
      log.warn(`dropped a chat record with a bad signature (seq ${item.rec.seq})`);
      return false;
    });
    this.log.offer(good);
  }

  #onCtl(link: PeerLink, msg: CtlMessage): void {
    if (msg.type !== 'chat' || link !== this.member.edges.parent) return;
    this.#accept([msg.item]);
  }

  #onHost(msg: FeatureHostMessage): void {
    if (this.#closed) return;
    if (msg.type === 'chat-batch') {
      this.#historyAsked = 0;
      // History comes over the sealed session with the host itself: already authenticated, so the
      // per-record signatures (there for records relayed through other members) need no check.
      this.log.offer(msg.items);
      // paged history: the next page once this answer's last batch is in
      if (!msg.more && msg.last > this.log.lastSeq && msg.items.length) this.#askHistory(true);
    } else if (msg.type === 'chat-head') {
      if (msg.last > this.log.lastSeq) this.#askHistory(false);
    } else if (msg.type === 'chat-ack') {
      this.#settle(msg.id);
    } else if (msg.type === 'chat-refused') {
      const entry = this.#pending.get(msg.id);
      if (!entry) return;
      if (msg.code === 'THROTTLED') {
        // Sending too fast: the message stays in the outbox and goes again when the host has room;
        // the person hears it once per run of refusals.
        if (!this.#throttled.size && !this.#throttleTimer) this.emit('refused', msg.id, msg.code, msg.message);
        this.#throttled.add(msg.id);
        this.#resendLater(msg.retryAfterMs ?? 1000);
        return;
      }
      this.#settle(msg.id);
      this.emit('refused', msg.id, msg.code, msg.message);
    }
  }

  #resendLater(ms: number): void {
    if (this.#throttleTimer || this.#closed) return;
    this.#throttleTimer = setTimeout(() => {
      this.#throttleTimer = null;
      this.#resendNext();
    }, ms);
    this.#throttleTimer.unref();
  }

  /** The oldest throttled message still waiting goes again; its ack sends the next one. */
  #resendNext(): void {
    if (this.#closed) return;
    for (const id of this.#throttled) if (!this.#pending.has(id)) this.#throttled.delete(id);
    const next = [...this.#throttled].map((id) => this.#pending.get(id)!).sort((a, b) => a.n - b.n)[0];
    if (!next) return;
    this.#throttled.delete(next.id);
    this.member.send({ type: 'chat-send', id: next.id, text: next.text });
  }

  #settle(id: string): void {
    this.#throttled.delete(id);
    if (this.#throttled.size && !this.#throttleTimer) this.#resendNext();
    if (!this.#pending.delete(id)) return;
    background(this.store.removeFromOutbox(this.log.roomId, id), log, 'removing a delivered message from the outbox');
    this.emit('outbox', this.pending);
  }
}
