/**
 * `<podcast-studio>`: the instructor's side of the podcast. Start it from this page's microphone,
 * the test tone or an audio file on this computer (ffmpeg plays it in real time; it ends with the
 * file), stop it, see the level of what goes out (the microphone is metered here, a file by the
 * agent), and who is listening (live, how far behind, paused).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ListenerEntry } from '../protocol/podcast.js';
import { ModelController } from './model-controller.js';
import type { PodcastAudio } from './podcast-audio.js';
import type { PodcastMicrophone } from './podcast-microphone.js';
import { sharedStyles } from './shared-styles.js';
import './path-picker.js';

const METER_FLOOR_DB = -60;

const listenerState = (l: ListenerEntry) =>
  l.state === 'live' ? 'live' : l.state === 'paused' ? `paused, ${Math.round(l.behindMs / 1000)} s behind` : `${Math.round(l.behindMs / 1000)} s behind`;

@customElement('podcast-studio')
export class PodcastStudio extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .row {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
        align-items: end;
      }
      .row label {
        flex: 1 1 260px;
      }
      .air {
        font-weight: 600;
      }
      .air[data-on='true'] {
        color: var(--danger);
      }
      .meter {
        display: flex;
        align-items: center;
        gap: 8px;
      }
      meter {
        flex: 1;
        height: 14px;
      }
      ul {
        margin: 0;
        padding-left: 1.2em;
      }
    `,
  ];

  @property({ attribute: false }) accessor model: PodcastAudio | undefined;
  @property({ attribute: false }) accessor mic: PodcastMicrophone | undefined;
  @state() accessor path = '';

  constructor() {
    super();
    new ModelController(this, () => this.model);
    new ModelController(this, () => this.mic);
  }

  override render() {
    const m = this.model;
    if (!m) return nothing;
    const s = m.status;
    const mic = this.mic;
    const rmsDb = mic?.on ? mic.levelDb : (m.level?.rmsDb ?? null);
    return html`
      <p class="air" data-testid="podcast-on-air" data-on=${s.on ? 'true' : 'false'}>
        ${s.on ? `On air: ${s.title}${s.since ? ` since ${new Date(s.since).toLocaleTimeString()}` : ''}` : 'Not broadcasting'}
      </p>
      <div class="row">
        ${mic?.on
          ? html`<button class="danger" data-testid="podcast-stop-mic" @click=${() => this.#act(() => mic.stop())}>Stop microphone</button>`
          : html`<button data-testid="podcast-start-mic" ?disabled=${!mic || mic.starting} @click=${() => this.#act(() => mic!.start())}>Broadcast my microphone</button>`}
        <button data-testid="podcast-start-tone" @click=${() => this.#act(() => m.start('tone'))}>Start test tone</button>
        <label>
          Audio file on this computer
          <input data-testid="podcast-file" placeholder="/home/me/lecture.mp3" .value=${this.path} @input=${(e: Event) => (this.path = (e.target as HTMLInputElement).value)} />
        </label>
        <path-picker mode="file" .start=${this.path} @pick=${(e: CustomEvent<string>) => (this.path = e.detail)}></path-picker>
        <button data-testid="podcast-start-file" ?disabled=${!this.path.trim()} @click=${() => this.#act(() => m.start('file', this.path.trim()))}>Play file</button>
        <button class="danger" data-testid="podcast-stop-broadcast" ?disabled=${!s.on} @click=${() => this.#act(m.stopBroadcast)}>Stop</button>
      </div>
      ${s.on
        ? html`<div class="meter">
            Level
            <meter data-testid="podcast-level" data-rms-db=${rmsDb ?? ''} min=${METER_FLOOR_DB} max="0" low="-18" high="-6" optimum="-20" .value=${Math.max(METER_FLOOR_DB, rmsDb ?? METER_FLOOR_DB)}></meter>
            <span>${rmsDb === null ? '…' : `${rmsDb.toFixed(0)} dB`}</span>
          </div>`
        : nothing}
      ${mic?.error ? html`<p class="error" role="alert" data-testid="podcast-mic-error">${mic.error}</p>` : nothing}
      <div>
        <strong data-testid="podcast-listener-count">${m.listeners.length ? `${m.listeners.length} listening` : 'Nobody is listening'}</strong>
        <ul data-testid="podcast-listeners">
          ${m.listeners.map((l) => html`<li data-testid="podcast-listener" data-name=${l.name} data-state=${l.state}>${l.name}: ${listenerState(l)}</li>`)}
        </ul>
      </div>
    `;
  }

  #act(f: () => Promise<void>): void {
    f().catch(() => {
      /* shown by the view from model.error */
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'podcast-studio': PodcastStudio;
  }
}
