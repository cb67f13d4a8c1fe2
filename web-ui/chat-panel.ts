/**
 * `<chat-panel>`: the room's messages with name, time and role badge (the instructor's stand out),
 * this member's messages still waiting for the host shown as "sending…", and a box to write in.
 * Text is rendered as text by Lit's templates, never as HTML.
 */
import { css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { MAX_CHAT_BYTES } from '../protocol/chat.js';
import { CamvidError } from '../protocol/errors.js';
import { AgentElement } from './agent-context.js';
import { ChatModel } from './chat-model.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';

const time = (ts: number) => new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const bytes = (s: string) => new TextEncoder().encode(s).length;
/** Scrolled up less than this (px) still counts as reading the newest messages. */
const NEAR_BOTTOM_PX = 48;

@customElement('chat-panel')
export class ChatPanel extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 480px;
      }
      ol {
        flex: 1 1 auto;
        overflow-y: auto;
        list-style: none;
        margin: 0;
        padding: 12px 16px;
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      li {
        display: flex;
        flex-direction: column;
        gap: 2px;
        padding: 6px 10px;
        border-radius: 8px;
        background: var(--surface-2, #f6f7f9);
        overflow-wrap: anywhere;
        white-space: pre-wrap;
      }
      li.host {
        background: #e8f0fe;
        border-left: 3px solid var(--accent);
      }
      li.pending {
        opacity: 0.6;
      }
      .meta {
        font-size: 0.8em;
        color: var(--muted);
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .name {
        font-weight: 600;
        color: var(--text);
      }
      .badge {
        font-size: 0.75em;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        padding: 0 6px;
        border-radius: 4px;
        border: 1px solid var(--border);
      }
      form {
        display: flex;
        gap: 8px;
        padding: 12px 16px;
        border-top: 1px solid var(--border);
      }
      textarea {
        flex: 1 1 auto;
        resize: none;
        height: 2.6em;
        font: inherit;
      }
      .notice {
        color: var(--danger);
        padding: 0 16px 8px;
        font-size: 0.9em;
      }
      .empty {
        color: var(--muted);
        text-align: center;
        margin: auto;
      }
    `,
  ];

  @state() accessor error = '';
  @state() accessor draft = '';
  @query('ol') accessor list!: HTMLOListElement;
  /** while shown, the chat's messages count as read */
  readonly #chat = new ModelController(this, () => this.client?.model(ChatModel), (m) => {
    m.visible = true;
    m.markRead();
    return () => void (m.visible = false);
  });

  /** messages (records and pending) in the list as last rendered */
  #shown = 0;
  /** the list was at (or near) its bottom before this update */
  #atBottom = true;

  override willUpdate(): void {
    const l = this.list;
    this.#atBottom = !l || l.scrollHeight - l.scrollTop - l.clientHeight <= NEAR_BOTTOM_PX;
  }

  override updated(): void {
    // New messages keep the newest in view, unless the person scrolled up to read older ones;
    // typing (an update too) never moves the list.
    const m = this.#chat.model;
    const count = m ? m.records.length + m.pending.length : 0;
    if (count === this.#shown) return;
    this.#shown = count;
    if (this.#atBottom) this.#toBottom();
  }

  #toBottom(): void {
    if (this.list) this.list.scrollTop = this.list.scrollHeight;
  }

  async #send(ev: Event): Promise<void> {
    ev.preventDefault();
    const text = this.draft.trim();
    if (!text || !this.#chat.model) return;
    if (bytes(text) > MAX_CHAT_BYTES) {
      this.error = `Too long: at most ${MAX_CHAT_BYTES} bytes.`;
      return;
    }
    this.error = '';
    // Sending shows the newest: the message appears at the bottom, and the list follows it there.
    this.#toBottom();
    try {
      await this.#chat.model.send(text);
      this.draft = '';
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  #onKey(ev: KeyboardEvent): void {
    if (ev.key === 'Enter' && !ev.shiftKey) void this.#send(ev);
  }

  override render() {
    const m = this.#chat.model;
    if (!m) return nothing;
    const me = this.client?.state?.me?.id;
    const empty = !m.records.length && !m.pending.length;
    return html`
      <ol data-testid="chat-list" aria-live="polite">
        ${empty ? html`<li class="empty" data-testid="chat-empty">No messages yet. Say hello!</li>` : nothing}
        ${m.records.map(
          (r) => html`<li class=${r.role} data-testid="chat-message" data-seq=${r.seq}>
            <span class="meta"
              ><span class="name">${r.name}${r.from === me ? ' (you)' : ''}</span>
              ${r.role === 'host' ? html`<span class="badge">Instructor</span>` : nothing}
              <time>${time(r.ts)}</time></span
            >
            <span class="text">${r.text}</span>
          </li>`,
        )}
        ${m.pending.map(
          (p) => html`<li class="pending" data-testid="chat-pending">
            <span class="meta"><span class="name">You</span> sending…</span>
            <span class="text">${p.text}</span>
          </li>`,
        )}
      </ol>
      ${m.muted
        ? html`<div class="notice" role="status" data-testid="chat-muted">The instructor has muted your chat: you can read, but not write, until they unmute you.</div>`
        : nothing}
      ${[...m.notices.map((n) => n.message), this.error].filter(Boolean).map((n) => html`<div class="notice" data-testid="chat-error">${n}</div>`)}
      <form @submit=${(e: Event) => this.#send(e)}>
        <textarea
          data-testid="chat-input"
          aria-label="Message to the class"
          placeholder=${m.muted ? 'Muted by the instructor' : 'Write a message (Enter to send, Shift+Enter for a new line)'}
          ?disabled=${m.muted}
          .value=${this.draft}
          @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)}
          @keydown=${(e: KeyboardEvent) => this.#onKey(e)}
        ></textarea>
        <button type="submit" data-testid="chat-send" ?disabled=${m.muted || !this.draft.trim()}>Send</button>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-panel': ChatPanel;
  }
}
