/**
 * Chat for one agent: enters each room the agent enters, runs the host's sequencer or a member's
 * receiver and outbox, and answers the UI. A feature of the agent (node-agent/features.ts).
 */
import { CamvidError } from '../../protocol/errors.js';
import type { ChatRecord } from '../../protocol/chat.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { TypedEmitter } from '../typed-emitter.js';
import { ChatLog } from './chat-log.js';
import { ChatStore, type OutboxEntry } from './chat-store.js';
import { HostChat } from './host-chat.js';
import { MemberChat } from './member-chat.js';

const UI_HISTORY = 1000;

export type ChatServiceEvents = {
  message: [rec: ChatRecord];
  outbox: [pending: OutboxEntry[]];
  refused: [id: string, code: string, message: string];
};

export class ChatService extends TypedEmitter<ChatServiceEvents> implements Feature {
  readonly store: ChatStore;
  #log: ChatLog | null = null;
  #host: HostChat | null = null;
  #member: MemberChat | null = null;
  /** settles when the latest room has been entered */
  #attached: Promise<void> = Promise.resolve();

  constructor(private readonly agent: FeatureHost) {
    super();
    this.store = new ChatStore(agent.store);
    agent.ui.handle('chat-send', async (req) => ({ id: await this.send(req.text) }));
    agent.ui.handle('chat-log', async () => ({
      ready: await this.#attached,
      records: this.#log ? (await this.store.tail(this.#log.roomId, UI_HISTORY)).map((i) => i.rec) : [],
      pending: this.pending,
    }));
  }

  get log(): ChatLog | null {
    return this.#log;
  }

  get pending(): OutboxEntry[] {
    return this.#member?.pending ?? [];
  }

  get hostChat(): HostChat | null {
    return this.#host;
  }

  /** Sends a message to the room; resolves with its id (a member's is pending until acked). */
  async send(text: string): Promise<string> {
    await this.#attached;
    if (this.#host) return this.#host.sendLocal(text).id;
    if (this.#member) return (await this.#member.send(text)).id;
    throw new CamvidError('NOT_IN_ROOM');
  }

  /** Every record of the current room, in order. */
  async history(): Promise<ChatRecord[]> {
    await this.#attached;
    if (!this.#log) return [];
    await this.#log.flushed();
    return (await this.store.range(this.#log.roomId, 0)).map((i) => i.rec);
  }

  enterRoom(ctx: RoomContext, signal: AbortSignal): Promise<void> {
    this.#attached = this.#enter(ctx, signal);
    return this.#attached;
  }

  close(): void {
    this.#detach();
    this.removeAllListeners();
  }

  async #enter(ctx: RoomContext, signal: AbortSignal): Promise<void> {
    const last = await this.store.lastSeq(ctx.roomId);
    const pending = ctx.member ? await this.store.outbox(ctx.roomId) : [];
    if (signal.aborted) return;
    onAbort(signal, () => this.#detach());
    const log = new ChatLog(ctx.roomId, this.store, ctx.edges, last, !!ctx.host);
    this.#log = log;
    log.on('message', (rec) => {
      this.emit('message', rec);
      this.agent.ui.push({ type: 'chat-message', rec });
    });
    if (ctx.host) {
      this.#host = new HostChat(ctx.host, log, this.store, ctx.me.id);
    } else if (ctx.member) {
      this.#member = new MemberChat(ctx.member, log, this.store, pending);
      this.#member.on('outbox', (p) => {
        this.emit('outbox', p);
        this.agent.ui.push({ type: 'chat-outbox', pending: p });
      });
      this.#member.on('refused', (id, code, message) => {
        this.emit('refused', id, code, message);
        this.agent.ui.push({ type: 'chat-refused', id, code, message });
      });
    }
  }

  #detach(): void {
    this.#host?.close();
    this.#member?.close();
    this.#log?.removeAllListeners();
    this.#host = null;
    this.#member = null;
    this.#log = null;
  }
}
