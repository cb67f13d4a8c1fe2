/**
 * In a room: who and where I am, how students join (host), the roster tree, Leave, and a tab per
 * feature. A feature slots in by adding its renderer to VIEW_RENDERERS; until then its tab says
 * what it will do and that it is coming.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import type { Phase } from '../protocol/ui.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import './chat-panel.js';
import './files-view.js';
import { ChatModel } from './chat-model.js';
import { ArqInbox } from './arq-inbox.js';
import './present-banner.js';
import { sharedStyles } from './shared-styles.js';
import './roster-tree.js';
import './mail-view.js';
import './class-controls.js';
import './lab-view.js';
import './podcast-view.js';
import './live-view.js';
import './record-view.js';

export const ROOM_VIEWS = [
  { id: 'video', label: 'Video', about: "The instructor's camera and microphone, relayed to everyone in the room." },
  { id: 'chat', label: 'Chat', about: 'Messages for the whole class; nothing is lost when someone reconnects.' },
  { id: 'files', label: 'Files', about: "Browse and download the instructor's shared folder, and hand in files." },
  { id: 'podcast', label: 'Podcast', about: 'An audio stream you can pause and resume, or jump back to live.' },
  { id: 'mail', label: 'Mail', about: 'Write mail with attachments; it is sent once the mail server is reachable.' },
  { id: 'labs', label: 'Labs', about: 'Computer Networks labs: Hamming code and Selective Repeat ARQ.' },
  { id: 'record', label: 'Polls & attendance', about: 'Quick polls and quizzes, and who was in the lecture when.' },
] as const;
export type RoomViewId = (typeof ROOM_VIEWS)[number]['id'];

/** Feature views that exist (each finds the agent through agentContext); a missing entry renders the "coming soon" placeholder. */
const VIEWS: Partial<Record<RoomViewId, TemplateResult>> = {
  video: html`<live-view></live-view>`,
  chat: html`<chat-panel></chat-panel>`,
  files: html`<files-view></files-view>`,
  podcast: html`<podcast-view></podcast-view>`,
  mail: html`<mail-view></mail-view>`,
  labs: html`<lab-view></lab-view>`,
  record: html`<record-view></record-view>`,
};

const PHASE_LABEL: Record<Phase, string> = {
  idle: 'Not in a room',
  joining: 'Joining…',
  hosting: 'Hosting',
  joined: 'Connected',
  reconnecting: 'Reconnecting…',
};

@customElement('room-page')
export class RoomPage extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      .side {
        display: flex;
        flex-direction: column;
        gap: 16px;
        min-width: 0;
      }
      .unread {
        display: inline-block;
        min-width: 1.4em;
        padding: 0 5px;
        border-radius: 999px;
        background: var(--danger);
        color: #fff;
        font-size: 0.75em;
        text-align: center;
      }
    `,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      .head {
        display: flex;
        align-items: center;
        gap: 16px;
        flex-wrap: wrap;
      }
      .title {
        flex: 1 1 auto;
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      h1 {
        font-size: 1.5em;
      }
      .me {
        margin: 0;
        color: var(--muted);
      }
      .role {
        text-transform: capitalize;
      }
      .phase {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        padding: 3px 10px;
        border-radius: 999px;
        font-size: 0.85em;
        font-weight: 600;
        background: var(--accent-soft);
        color: var(--ok);
      }
      .phase::before {
        content: '';
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: currentColor;
      }
      .phase[data-phase='reconnecting'],
      .phase[data-phase='joining'] {
        background: var(--warn-soft);
        color: var(--warn);
      }
      .join-at {
        margin: 0;
        padding: 14px 20px;
        border-radius: var(--radius);
        background: var(--accent);
        color: var(--accent-fg);
        font-size: 1.15em;
        font-weight: 600;
        display: flex;
        flex-wrap: wrap;
        gap: 8px 12px;
        align-items: center;
      }
      .join-at code {
        background: rgba(255, 255, 255, 0.16);
        padding: 2px 8px;
        border-radius: 4px;
        font-size: 1.05em;
        user-select: all;
      }
      .join-at .hint {
        color: inherit;
        opacity: 0.85;
        flex-basis: 100%;
      }
      .layout {
        display: grid;
        grid-template-columns: minmax(240px, 320px) 1fr;
        gap: 16px;
        align-items: start;
      }
      /* minmax(0, …): a column is never widened by what is inside it (a phone's 360 px is the floor) */
      @media (max-width: 720px) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
        /* on a phone the picture and the tabs come first, the people below */
        .layout > .card {
          order: -1;
        }
      }
      nav {
        display: flex;
        gap: 2px;
        border-bottom: 1px solid var(--border);
        margin: calc(-1 * var(--card-pad, 20px)) calc(-1 * var(--card-pad, 20px)) var(--card-pad, 20px);
        padding: 0 12px;
        flex-wrap: wrap;
      }
      nav button {
        flex: none;
        white-space: nowrap;
        background: none;
        border: none;
        border-bottom: 3px solid transparent;
        border-radius: 0;
        color: var(--muted);
        padding: 12px 14px 9px;
      }
      nav button[aria-selected='true'] {
        color: var(--accent);
        border-bottom-color: var(--accent);
      }
      .placeholder {
        min-height: 260px;
        display: flex;
        flex-direction: column;
        align-items: center;
        justify-content: center;
        gap: 8px;
        text-align: center;
        color: var(--muted);
      }
      .placeholder h2 {
        color: var(--fg);
      }
      .soon {
        font-size: 0.8em;
        font-weight: 700;
        text-transform: uppercase;
        letter-spacing: 0.06em;
        padding: 2px 8px;
        border-radius: 4px;
        border: 1px dashed var(--border);
      }
    `,
  ];

  @state() accessor view: RoomViewId = 'video';
  @state() accessor leaving = false;
  @state() accessor error: string | null = null;

  /** the chat's unread count shows on its tab */
  readonly #chat = new ModelController(this, () => this.client?.model(ChatModel));
  /** a file a classmate sent over the ARQ lab is announced here, whatever tab is open */
  readonly #arq = new ModelController(this, () => this.client?.model(ArqInbox));

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const client = this.client;
    const s = client?.state;
    if (!client || !s?.room) return nothing;
    const me = s.me;
    const myEntry = me ? client.roster.find((m) => m.id === me.id) : undefined;
    const role = myEntry?.role ?? (s.phase === 'hosting' ? 'host' : 'student');
    return html`
      <section class="head card">
        <div class="title">
          <h1 data-testid="room-name">${s.room.name}</h1>
          <p class="me" data-testid="me">
            You are <strong>${me?.name ?? '…'}</strong> · <span class="role">${role}</span>
            ${role === 'student' ? html`· hosted by ${s.room.hostName}` : nothing}
          </p>
        </div>
        <span class="phase" data-testid="room-phase" data-phase=${s.phase}>${PHASE_LABEL[s.phase]}</span>
        <button class="danger" data-testid="leave-button" ?disabled=${this.leaving} @click=${this.#leave}>
          ${this.leaving ? 'Leaving…' : 'Leave'}
        </button>
      </section>
      ${role === 'host' ? this.#renderJoinAddresses(s.joinAddresses) : nothing}
      ${s.phase === 'reconnecting'
        ? html`<p class="banner" data-testid="reconnecting">
            ${s.hostAway
              ? 'The instructor’s computer is not answering — waiting for it to come back.'
              : 'Lost the connection to the room — reconnecting…'}
          </p>`
        : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="error-message">${this.error}</p>` : nothing}
      ${this.#renderArqNotice()}
      ${role === 'student' ? html`<present-banner></present-banner>` : nothing}
      <div class="layout">
        <div class="side">
          <roster-tree class="card" .members=${client.roster} .myId=${me?.id ?? null}></roster-tree>
          <class-controls
            class="card"
            .members=${client.roster}
            .myId=${me?.id ?? null}
            ?isHost=${client.state?.phase === 'hosting'}
          ></class-controls>
        </div>
        <section class="card">
          <nav role="tablist" aria-label="Room features">
            ${ROOM_VIEWS.map(
              (v) => html`<button
                role="tab"
                data-testid="tab-${v.id}"
                aria-selected=${v.id === this.view ? 'true' : 'false'}
                @click=${() => (this.view = v.id)}
              >
                ${v.label}${v.id === 'chat' ? this.#unreadBadge() : nothing}
              </button>`,
            )}
          </nav>
          <div role="tabpanel" data-testid="panel-${this.view}">${this.#renderView()}</div>
        </section>
      </div>
    `;
  }

  #renderJoinAddresses(addresses: readonly string[]) {
    return html`<p class="join-at" data-testid="join-addresses">
      Students can join at:
      ${addresses.length
        ? addresses.map((a) => html`<code data-testid="join-address">${a}</code>`)
        : html`<span data-testid="join-address-none">no network address found</span>`}
      <span class="hint">They can also pick this room from the list on their own CAMVID page.</span>
    </p>`;
  }

  #renderArqNotice() {
    const inbox = this.#arq.model;
    const r = inbox?.received;
    if (!inbox || !r || inbox.seen || this.view === 'labs') return nothing;
    return html`<p class="banner" role="status" data-testid="arq-received-notice">
      ${r.fromName} sent you a file over the ARQ lab: ${r.size} B, ${r.identical ? 'identical to what was sent ✓' : 'different from what was sent ✗'}.
      <button class="secondary" data-testid="arq-notice-open" @click=${() => ((this.view = 'labs'), inbox.markSeen())}>Show in Labs</button>
      <a data-testid="arq-notice-save" href=${this.client!.fileUrl(r.ticket)} download>Save to this computer</a>
      <button class="secondary" data-testid="arq-notice-dismiss" @click=${() => inbox.markSeen()}>Dismiss</button>
    </p>`;
  }

  #unreadBadge() {
    const unread = this.#chat.model?.unread;
    return unread && this.view !== 'chat' ? html` <span class="unread" data-testid="chat-unread">${unread}</span>` : nothing;
  }

  #renderView() {
    const view = VIEWS[this.view];
    if (view) return view;
    const v = ROOM_VIEWS.find((x) => x.id === this.view)!;
    return html`<div class="placeholder">
      <h2>${v.label}</h2>
      <p>${v.about}</p>
      <span class="soon">Coming soon</span>
    </div>`;
  }

  #leave = async () => {
    if (!this.client || this.leaving) return;
    this.leaving = true;
    this.error = null;
    try {
      await this.client.request({ type: 'leave' });
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    } finally {
      this.leaving = false;
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'room-page': RoomPage;
  }
}
