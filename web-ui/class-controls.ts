/**
 * `<class-controls>`: a student's "Raise hand" button; for the instructor, the queue of raised
 * hands in the order they went up (with "Lower"), and per student "Mute chat" and "Remove".
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { RosterEntry } from '../protocol/common.js';
import { CamvidError } from '../protocol/errors.js';
import type { AgentClient } from './agent-client.js';
import { AgentElement } from './agent-context.js';
import { sharedStyles } from './shared-styles.js';

type Body = Parameters<AgentClient['request']>[0];

@customElement('class-controls')
export class ClassControls extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      h2 {
        font-size: 1em;
        margin: 0;
      }
      ol,
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
      }
      li .name {
        flex: 1 1 6em;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button.small {
        padding: 2px 8px;
        font-size: 0.85em;
      }
      .muted {
        color: var(--muted);
        font-size: 0.85em;
      }
      .error {
        color: var(--danger);
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) accessor members: RosterEntry[] = [];
  @property({ attribute: false }) accessor myId: string | null = null;
  @property({ type: Boolean }) accessor isHost = false;
  @state() accessor error = '';

  async #do(body: Body): Promise<void> {
    this.error = '';
    try {
      await this.client?.request(body);
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }

  override render() {
    return html`${this.isHost ? this.#hostView() : this.#studentView()}
    ${this.error ? html`<p class="error" role="alert" data-testid="controls-error">${this.error}</p>` : nothing}`;
  }

  #studentView() {
    const me = this.members.find((m) => m.id === this.myId);
    const up = !!me?.hand;
    return html`<button data-testid="hand-button" aria-pressed=${up ? 'true' : 'false'} @click=${() => this.#do({ type: 'hand-raise', up: !up })}>
        ${up ? 'Lower hand' : 'Raise hand'}
      </button>
      ${me?.muted ? html`<p class="muted" data-testid="muted-note">The instructor has muted your chat.</p>` : nothing}`;
  }

  #hostView() {
    const hands = this.members.filter((m) => m.hand).sort((a, b) => a.hand! - b.hand!);
    const students = this.members.filter((m) => m.role === 'student');
    return html`<h2>Raised hands</h2>
      ${hands.length
        ? html`<ol data-testid="hand-queue">
            ${hands.map(
              (m, i) => html`<li data-testid="hand-entry" data-member-id=${m.id}>
                <span class="name">${i + 1}. ${m.name}</span>
                <button class="small" @click=${() => this.#do({ type: 'hand-lower', member: m.id })}>Lower</button>
              </li>`,
            )}
          </ol>`
        : html`<p class="muted" data-testid="hand-queue-empty">No hands raised.</p>`}
      ${students.length
        ? html`<h2>Students</h2>
            <ul>
              ${students.map(
                (m) => html`<li data-testid="student-controls" data-member-id=${m.id}>
                  <span class="name">${m.name}</span>
                  <button class="small" @click=${() => this.#do({ type: 'chat-mute', member: m.id, muted: !m.muted })}>
                    ${m.muted ? 'Unmute' : 'Mute chat'}
                  </button>
                  <button
                    class="small danger"
                    title="They can join again with the password"
                    @click=${() => confirm(`Remove ${m.name} from the room?`) && this.#do({ type: 'member-remove', member: m.id })}
                  >
                    Remove
                  </button>
                  <button
                    class="small danger"
                    data-testid="block-button"
                    title="Their computer cannot join again until this lecture ends, even with the password"
                    @click=${() =>
                      confirm(`Remove ${m.name} and block their computer until this lecture ends?`) &&
                      this.#do({ type: 'member-remove', member: m.id, block: true })}
                  >
                    Remove and block
                  </button>
                </li>`,
              )}
            </ul>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'class-controls': ClassControls;
  }
}
