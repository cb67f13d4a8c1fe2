/**
 * Before a room: the rooms found on the LAN, join (by room or by address) and host forms.
 * The name field is shared by both forms and remembered in this browser.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { DEFAULT_FANOUT, DEFAULT_ROOM_PORT } from '../protocol/common.js';
import { CamvidError, type ErrorCode } from '../protocol/errors.js';
import { isWeakRoomPassword, WEAK_ROOM_PASSWORD_WARNING } from '../protocol/room-password.js';
import { parseRoomCode } from '../protocol/swarm.js';
import type { DiscoveredRoom } from '../protocol/ui.js';
import { DEFAULT_ROOM_NAME, MAX_NAME_LENGTH, MAX_ROOM_NAME_LENGTH } from '../protocol/version.js';
import type { UiRequestBody } from './agent-client.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';

const NAME_KEY = 'camvid.name';
/** host:port, the host part being a name, an IPv4 address or a bracketed IPv6 address. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;

type FormId = 'join' | 'host' | 'resume';
interface FormError {
  form: FormId;
  code: ErrorCode;
  message: string;
}

const storedName = (): string => {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
};

@customElement('login-page')
export class LoginPage extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      .who label {
        max-width: 360px;
      }
      .columns {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
        gap: 16px;
        align-items: start;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 14px;
      }
      .rooms {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
        max-height: 260px;
        overflow-y: auto;
      }
      .room {
        width: 100%;
        text-align: left;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 2px 12px;
        background: var(--surface);
        color: var(--fg);
        border: 1px solid var(--border);
        font-weight: 400;
      }
      .room:hover {
        border-color: var(--accent);
      }
      /* inside the list's scroll box an outline outside the card is clipped: draw it inside */
      .room:focus-visible {
        outline: 3px solid var(--accent);
        outline-offset: -3px;
      }
      .room[aria-pressed='true'] {
        border-color: var(--accent);
        background: var(--accent-soft);
        box-shadow: inset 3px 0 0 var(--accent);
      }
      .room-name {
        font-weight: 700;
      }
      .resume {
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        gap: 8px;
        padding-bottom: 12px;
        border-bottom: 1px solid var(--border);
      }
      .room-host {
        grid-column: 1;
        color: var(--muted);
        font-size: 0.9em;
      }
      .room-addr {
        grid-column: 2;
        grid-row: 1 / span 2;
        align-self: center;
        font-family: var(--mono);
        font-size: 0.85em;
        color: var(--muted);
      }
      .empty {
        margin: 0;
        padding: 12px;
        border: 1px dashed var(--border);
        border-radius: 6px;
        color: var(--muted);
        text-align: center;
      }
      .weak {
        color: var(--warn);
        font-weight: 600;
      }
      .actions {
        display: flex;
        align-items: center;
        gap: 12px;
      }
    `,
  ];

  @state() accessor name = storedName();
  @state() accessor selectedRoomId: string | null = null;
  @state() accessor address = '';
  /** a room code (swarm): shown only when the agent runs with --swarm */
  @state() accessor roomCode = '';
  @state() accessor joinPassword = '';
  @state() accessor roomName: string = DEFAULT_ROOM_NAME;
  @state() accessor hostPassword = '';
  @state() accessor fanout = DEFAULT_FANOUT;
  @state() accessor pending: FormId | null = null;
  @state() accessor error: FormError | null = null;

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const state = this.client?.state;
    const rooms = this.client?.rooms ?? [];
    const busy = this.pending !== null || state?.phase === 'joining';
    const selected = rooms.find((r) => r.id === this.selectedRoomId);
    const target = this.address.trim() || this.roomCode.trim() || selected;
    const hasName = this.name.trim().length > 0;
    const agentError = !this.error && state?.phase === 'idle' ? state.lastError : null;
    return html`
      <section class="card who">
        <label>
          Your name
          <input
            data-testid="name-input"
            autocomplete="nickname"
            maxlength=${MAX_NAME_LENGTH}
            placeholder="As the class will see it"
            .value=${this.name}
            @input=${(e: InputEvent) => (this.name = inputValue(e))}
          />
          <span class="hint">Used whether you join or host a room.</span>
        </label>
      </section>
      ${agentError
        ? html`<p class="error" role="alert" data-testid="agent-error">${agentError.message}</p>`
        : nothing}
      <div class="columns">
        <form class="card" data-testid="join-form" @submit=${this.#join}>
          <h2>Join a room</h2>
          <ul class="rooms" aria-label="Rooms on this network" data-testid="room-list">
            ${rooms.length
              ? rooms.map((room) => this.#renderRoom(room))
              : html`<li class="empty" data-testid="rooms-empty">Looking for rooms on this network…</li>`}
          </ul>
          <label>
            Or join by address
            <input
              data-testid="address-input"
              placeholder=${`192.168.1.20:${DEFAULT_ROOM_PORT}`}
              .value=${this.address}
              @input=${(e: InputEvent) => {
                this.address = inputValue(e);
                if (this.address) this.selectedRoomId = null;
              }}
            />
            <span class="hint">The instructor's page shows it under “Students can join at”.</span>
          </label>
          ${state?.swarm ? this.#renderRoomCode() : nothing}
          <label>
            Room password
            <input
              type="password"
              data-testid="join-password"
              autocomplete="current-password"
              .value=${this.joinPassword}
              @input=${(e: InputEvent) => (this.joinPassword = inputValue(e))}
            />
          </label>
          ${this.#renderError('join')}
          <div class="actions">
            <button type="submit" data-testid="join-button" ?disabled=${busy || !hasName || !target || !this.joinPassword}>
              ${this.pending === 'join' || state?.phase === 'joining' ? 'Joining…' : 'Join'}
            </button>
            ${selected && !this.address.trim()
              ? html`<span class="hint">${selected.name} · ${selected.hostName}</span>`
              : nothing}
          </div>
        </form>
        <form class="card" data-testid="host-form" @submit=${this.#host}>
          <h2>Host a room</h2>
          ${state?.resumable
            ? html`<div class="resume" data-testid="resume">
                <span class="hint">Your class “${state.resumable.name}” stopped without being ended: bring it back with the same password and address; students come back by themselves.</span>
                <button type="button" data-testid="resume-button" ?disabled=${busy} @click=${this.#resume}>
                  ${this.pending === 'resume' ? 'Resuming…' : `Resume ${state.resumable.name}`}
                </button>
                ${this.#renderError('resume')}
              </div>`
            : nothing}
          <label>
            Room name
            <input
              data-testid="host-room-name"
              maxlength=${MAX_ROOM_NAME_LENGTH}
              .value=${this.roomName}
              @input=${(e: InputEvent) => (this.roomName = inputValue(e))}
            />
          </label>
          <label>
            Room password
            <input
              type="password"
              data-testid="host-password"
              autocomplete="new-password"
              .value=${this.hostPassword}
              @input=${(e: InputEvent) => (this.hostPassword = inputValue(e))}
            />
            ${this.hostPassword && isWeakRoomPassword(this.hostPassword)
              ? html`<span class="hint weak" role="status" data-testid="host-password-weak">${WEAK_ROOM_PASSWORD_WARNING}</span>`
              : nothing}
          </label>
          <label>
            Direct connections (fan-out)
            <input
              type="number"
              min="1"
              max="64"
              data-testid="host-fanout"
              .value=${String(this.fanout)}
              @input=${(e: InputEvent) => (this.fanout = Number(inputValue(e)))}
            />
            <span class="hint">Students beyond this many connect through other students, so your uplink stays bounded.</span>
          </label>
          ${this.#renderError('host')}
          <div class="actions">
            <button
              type="submit"
              data-testid="host-button"
              ?disabled=${busy || !hasName || !this.roomName.trim() || !this.hostPassword}
            >
              ${this.pending === 'host' ? 'Starting…' : 'Host room'}
            </button>
          </div>
        </form>
      </div>
    `;
  }

  #renderRoom(room: DiscoveredRoom) {
    const selected = room.id === this.selectedRoomId && !this.address.trim();
    return html`<li>
      <button
        type="button"
        class="room"
        data-testid="room-item"
        data-room-id=${room.id}
        aria-pressed=${selected ? 'true' : 'false'}
        @click=${() => {
          this.selectedRoomId = room.id;
          this.address = '';
          this.roomCode = '';
        }}
      >
        <span class="room-name">${room.name}</span>
        <span class="room-host">hosted by ${room.hostName}</span>
        <span class="room-addr" data-via=${(room.via ?? ['lan']).join(' ')}
          >${room.address ? `${room.address}:${room.port}` : 'over the swarm'}${room.via?.length === 2 ? ' · also over the swarm' : ''}</span
        >
      </button>
    </li>`;
  }

  #renderRoomCode() {
    return html`<label>
      Or join by room code (over the swarm)
      <input
        data-testid="room-code-input"
        placeholder="0123-4567-89ab-cdef"
        .value=${this.roomCode}
        @input=${(e: InputEvent) => {
          this.roomCode = inputValue(e);
          if (this.roomCode) this.selectedRoomId = null;
        }}
      />
      <span class="hint">The instructor's page shows the code; the password is needed as well.</span>
    </label>`;
  }

  #renderError(form: FormId) {
    if (this.error?.form !== form) return nothing;
    return html`<p class="error" role="alert" data-testid="error-message" data-code=${this.error.code}>
      ${this.error.message}
    </p>`;
  }

  #join = (e: SubmitEvent) => {
    e.preventDefault();
    const address = this.address.trim();
    if (address && !ADDRESS.test(address)) {
      this.error = { form: 'join', code: 'BAD_MESSAGE', message: `Enter the address as host:port, as the instructor's page shows it, e.g. 192.168.1.20:${DEFAULT_ROOM_PORT}.` };
      return;
    }
    let code: string | undefined;
    try {
      code = !address && this.roomCode.trim() ? parseRoomCode(this.roomCode) : undefined;
    } catch (err) {
      this.error = { form: 'join', code: 'BAD_MESSAGE', message: (err as Error).message };
      return;
    }
    const base = { name: this.name.trim(), password: this.joinPassword };
    const body: UiRequestBody = address
      ? { type: 'join', ...base, address }
      : { type: 'join', ...base, roomId: code ?? this.selectedRoomId ?? undefined };
    void this.#send('join', body);
  };

  #host = (e: SubmitEvent) => {
    e.preventDefault();
    const fanout = Number.isInteger(this.fanout) && this.fanout >= 1 && this.fanout <= 64 ? this.fanout : undefined;
    if (fanout === undefined) {
      this.error = { form: 'host', code: 'BAD_MESSAGE', message: 'Fan-out must be a whole number from 1 to 64.' };
      return;
    }
    void this.#send('host', {
      type: 'host',
      room: this.roomName.trim(),
      password: this.hostPassword,
      name: this.name.trim(),
      fanout,
    });
  };

  #resume = () => void this.#send('resume', { type: 'host-resume' });

  async #send(form: FormId, body: UiRequestBody): Promise<void> {
    if (!this.client || this.pending) return;
    this.pending = form;
    this.error = null;
    try {
      localStorage.setItem(NAME_KEY, this.name.trim());
    } catch {
      // storage may be disabled; remembering the name is only a convenience
    }
    try {
      await this.client.request(body);
      this.joinPassword = '';
      this.hostPassword = '';
    } catch (err) {
      const e = err instanceof CamvidError ? err : new CamvidError('BAD_MESSAGE', String(err));
      this.error = { form, code: e.code, message: e.message };
    } finally {
      this.pending = null;
    }
  }
}

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

declare global {
  interface HTMLElementTagNameMap {
    'login-page': LoginPage;
  }
}
