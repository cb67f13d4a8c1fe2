/**
 * `<present-controls>`: in the instructor's Video tab: invite a student to present its screen
 * (one at a time), see whether it is waiting or presenting, watch it, take it back; and why the
 * last one ended. Who presents comes from the roster (protocol/present.ts).
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { endedText, PresentModel } from './present-model.js';
import { sharedStyles } from './shared-styles.js';
import './live-player.js';

@customElement('present-controls')
export class PresentControls extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: end;
      }
      h3 {
        font-size: 1em;
        margin: 16px 0 8px;
      }
      select {
        max-width: 260px;
      }
      .ended {
        color: var(--muted);
        margin: 8px 0 0;
      }
    `,
  ];

  @state() accessor picked = '';
  @state() accessor error: string | null = null;
  readonly #present = new ModelController(this, () => this.client?.model(PresentModel));

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const present = this.#present.model;
    if (!present || !this.client) return nothing;
    const presenter = present.presenter();
    const students = this.client.roster.filter((m) => m.role === 'student');
    const picked = students.some((m) => m.id === this.picked) ? this.picked : (students[0]?.id ?? '');
    return html`
      <h3>A student presents</h3>
      ${presenter
        ? html`<div class="row" data-testid="presenter" data-state=${presenter.presenting} data-member-id=${presenter.id}>
              <span>${presenter.presenting === 'live' ? html`<strong>${presenter.name}</strong> is presenting.` : html`Waiting for <strong>${presenter.name}</strong> to share their screen…`}</span>
              <button class="danger" data-testid="present-take-back" @click=${() => this.#ask({ type: 'present-end' })}>Take back</button>
            </div>
            ${presenter.presenting === 'live' ? html`<live-player data-testid="presenter-view"></live-player>` : nothing}`
        : html`<div class="row">
            <label
              >Student
              <select data-testid="present-pick" ?disabled=${!students.length} @change=${(e: Event) => (this.picked = (e.target as HTMLSelectElement).value)}>
                ${students.map((m) => html`<option value=${m.id} ?selected=${m.id === picked}>${m.name}</option>`)}
              </select></label
            >
            <button class="secondary" data-testid="present-invite" ?disabled=${!picked} @click=${() => this.#ask({ type: 'present-invite', member: picked })}>
              Invite to present
            </button>
          </div>`}
      ${!presenter && present.ended ? html`<p class="ended" role="status" data-testid="present-ended" data-reason=${present.ended.reason}>${endedText(present.ended.reason, present.ended.name ?? 'The student')}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    `;
  }

  async #ask(body: { type: 'present-end' } | { type: 'present-invite'; member: string }): Promise<void> {
    this.error = null;
    try {
      await this.client!.request(body);
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'present-controls': PresentControls;
  }
}
