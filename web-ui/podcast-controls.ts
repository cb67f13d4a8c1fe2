/**
 * `<podcast-controls>`: a listener's player. Play starts listening (the agent records from then
 * on); pause and resume continue exactly where it stopped; the position bar spans what the agent
 * has recorded, from the oldest audio kept (left) to live (right), and says how far behind live
 * the listener is (drag it to go back); "Jump to live"; volume. When a pause outlasted what the
 * agent keeps, a note says how much was dropped.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PlayerView } from '../protocol/podcast.js';
import { ModelController } from './model-controller.js';
import type { PodcastAudio } from './podcast-audio.js';
import { sharedStyles } from './shared-styles.js';

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));
const duration = (ms: number) => (ms < 60_000 ? `${seconds(ms)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

@customElement('podcast-controls')
export class PodcastControls extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .buttons {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
        align-items: center;
      }
      .position {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      .position input {
        width: 100%;
        padding: 0;
      }
      .ends {
        display: flex;
        justify-content: space-between;
        font-size: 0.8em;
        color: var(--muted);
      }
      .behind {
        font-weight: 600;
      }
      .behind[data-live] {
        color: var(--ok);
      }
      .volume {
        flex-direction: row;
        align-items: center;
        gap: 8px;
        margin-left: auto;
      }
    `,
  ];

  @property({ attribute: false }) accessor model: PodcastAudio | undefined;

  constructor() {
    super();
    new ModelController(this, () => this.model);
  }

  override render() {
    const m = this.model;
    if (!m) return nothing;
    const p = m.player;
    if (!p || p.state === 'off') {
      return html`<div class="buttons">
        <button data-testid="podcast-play" @click=${() => this.#act(() => m.play())}>Play</button>
        <span class="hint">${m.status.on ? 'The podcast is on air.' : 'The instructor is not broadcasting; press Play to listen when it starts.'}</span>
      </div>`;
    }
    const live = p.state === 'live';
    return html`
      <div class="buttons">
        ${p.state === 'paused'
          ? html`<button data-testid="podcast-resume" @click=${() => this.#act(m.resume)}>Resume</button>`
          : html`<button data-testid="podcast-pause" @click=${() => this.#act(m.pause)}>Pause</button>`}
        <button class="secondary" data-testid="podcast-live" ?disabled=${live} @click=${() => this.#act(m.live)}>Jump to live</button>
        <button class="secondary" data-testid="podcast-stop" @click=${() => this.#act(() => m.stop())}>Stop listening</button>
        <label class="volume">
          Volume
          <input data-testid="podcast-volume" type="range" min="0" max="1" step="0.05" .value=${String(m.audio.volume)} @input=${(e: Event) => m.setVolume(Number((e.target as HTMLInputElement).value))} />
        </label>
      </div>
      ${this.#position(p)}
      ${p.droppedMs > 0
        ? html`<p class="banner" data-testid="podcast-dropped-note" data-dropped-ms=${p.droppedMs}>
            You paused longer than this computer keeps (${duration(p.capMs)}): the oldest ${duration(p.droppedMs)} you had not heard were dropped, and playback goes on from the oldest audio kept.
          </p>`
        : nothing}
    `;
  }

  #position(p: PlayerView) {
    const span = Math.max(p.bufferedMs, p.behindMs, 1);
    const label = p.state === 'live' ? 'Live' : `${seconds(p.behindMs)} s behind live${p.state === 'paused' ? ' (paused)' : ''}`;
    return html`<div class="position">
      <input
        data-testid="podcast-position"
        type="range"
        min="0"
        max=${span}
        step="100"
        .value=${String(span - p.behindMs)}
        aria-label="Position: ${label}"
        @change=${(e: Event) => this.#act(() => this.model!.seek(span - Number((e.target as HTMLInputElement).value)))}
      />
      <div class="ends">
        <span>${duration(p.bufferedMs)} recorded</span>
        <span class="behind" data-testid="podcast-behind" data-state=${p.state} data-behind-ms=${p.behindMs} ?data-live=${p.state === 'live'}>${label}</span>
      </div>
    </div>`;
  }

  #act(f: () => Promise<void>): void {
    f().catch(() => {
      /* shown by the view from model.error */
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'podcast-controls': PodcastControls;
  }
}
