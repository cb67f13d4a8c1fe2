/**
 * The page's chat state, one per AgentClient: the room's records in order, this member's pending
 * messages, and how many arrived while the chat view was not shown. It subscribes to the agent's
 * chat events once, so the count keeps going while another tab is open.
 */
import type { ChatRecord } from '../protocol/chat.js';
import type { ErrorCode } from '../protocol/errors.js';
import type { PendingChat } from '../protocol/ui-features.js';
import type { AgentClient } from './agent-client.js';

export class ChatModel {
  records: ChatRecord[] = [];
  pending: PendingChat[] = [];
  unread = 0;
  /** refusals to show the person (too long, throttled, …); a CHAT_MUTED one only while still muted */
  notices: { code: ErrorCode; message: string }[] = [];
  /** the instructor has muted this member's chat (its roster entry says so) */
  muted = false;
  /** true while the chat view is on screen: new messages are read at once */
  visible = false;
  readonly #listeners = new Set<() => void>();
  #roomId: string | null = null;

  /** Made by the client: `client.model(ChatModel)`. */
  constructor(readonly client: AgentClient) {
    client.onEvent('chat-message', (ev) => {
      if (this.records.length && ev.rec.seq <= this.records[this.records.length - 1]!.seq) return;
      this.records = [...this.records, ev.rec];
      if (!this.visible) this.unread++;
      this.#emit();
    });
    client.onEvent('chat-outbox', (ev) => {
      this.pending = ev.pending;
      this.#emit();
    });
    client.onEvent('chat-refused', (ev) => {
      this.notices = [...this.notices.slice(-4), { code: ev.code, message: ev.message }];
      this.#emit();
    });
    client.subscribe(() => {
      // Unmuted: what the mute refused no longer holds.
      const me = client.state?.me?.id;
      const muted = !!client.roster.find((m) => m.id === me)?.muted;
      if (muted !== this.muted) {
        this.muted = muted;
        if (!muted) this.notices = this.notices.filter((n) => n.code !== 'CHAT_MUTED');
        this.#emit();
      }
      // A new room (or a reconnected agent) means a fresh log, and none of the old room's notices.
      const roomId = client.connection === 'open' ? (client.state?.room?.id ?? null) : null;
      if (roomId === this.#roomId) return;
      this.#roomId = roomId;
      this.records = [];
      this.pending = [];
      this.notices = [];
      this.unread = 0;
      if (roomId) void this.reload();
      this.#emit();
    });
  }

  async reload(): Promise<void> {
    try {
      const log = await this.client.request({ type: 'chat-log' });
      this.records = log.records;
      this.pending = log.pending;
      this.#emit();
    } catch {
      /* not in a room yet: the next state change reloads */
    }
  }

  async send(text: string): Promise<void> {
    await this.client.request({ type: 'chat-send', text });
  }

  markRead(): void {
    if (!this.unread) return;
    this.unread = 0;
    this.#emit();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const l of [...this.#listeners]) l();
  }
}
