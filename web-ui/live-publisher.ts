/**
 * `<live-publisher>`: the instructor's controls for the live class: "Go live" (asks for camera and
 * microphone), a self-view, Stop, mute the microphone, pick another camera, "Share screen" (a
 * screen, window or tab beside the camera, with a preview), and what is being sent. The broadcast
 * and the share are the LiveBroadcast's and the ScreenShare's, so they go on while another tab is shown.
 * Below: inviting a student to present (<present-controls>).
 */
import { css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { AgentElement } from './agent-context.js';
import { LiveBroadcast } from './live-broadcast.js';
import { formatLimit } from './live-stats.js';
import { LiveWatch } from './live-watch.js';
import { ModelController } from './model-controller.js';
import { ScreenShare } from './screen-share.js';
import './present-controls.js';
import { liveStyles } from './live-styles.js';
import { sharedStyles } from './shared-styles.js';

@customElement('live-publisher')
export class LivePublisher extends AgentElement {
  static override styles = [
    sharedStyles,
    liveStyles,
    css`
      video {
        width: 100%;
        height: 100%;
        display: block;
        object-fit: contain;
        /* a mirror, as people expect of their own camera; students see it unmirrored */
        transform: scaleX(-1);
      }
      .live.reconnecting {
        background: var(--warn);
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: end;
      }
      select {
        max-width: 260px;
      }
      .screen-preview video {
        transform: none;
      }
    `,
  ];

  readonly #broadcast = new ModelController(this, () => this.client?.model(LiveBroadcast));
  readonly #share = new ModelController(this, () => this.client?.model(ScreenShare));
  /** the agent's media-status: what the tree holds each picture to */
  readonly #watch = new ModelController(this, () => this.client?.model(LiveWatch));

  override render() {
    const b = this.#broadcast.model;
    if (!b) return nothing;
    const on = b.phase === 'live' || b.phase === 'reconnecting';
    return html`
      <div class="stage">
        ${b.stream
          ? html`<video data-testid="self-view" .srcObject=${b.stream} .muted=${true} autoplay playsinline></video>`
          : html`<div class="overlay">Your camera is off. Students see "Waiting for the instructor" until you go live.</div>`}
        ${on
          ? html`<span class="live ${b.phase}" data-testid="publish-badge" data-phase=${b.phase}
              >${b.phase === 'live' ? 'LIVE' : 'RECONNECTING'}</span
            >`
          : nothing}
      </div>
      <div class="controls">
        ${on
          ? html`
              <button class="danger" data-testid="stop-live" @click=${() => b.stop()}>Stop</button>
              <button class="secondary" data-testid="mute-mic" aria-pressed=${b.micMuted ? 'true' : 'false'} @click=${() => b.setMicMuted(!b.micMuted)}>
                ${b.micMuted ? 'Unmute microphone' : 'Mute microphone'}
              </button>
              ${b.cameras.length > 1
                ? html`<label
                    >Camera
                    <select data-testid="camera-select" @change=${(e: Event) => b.switchCamera((e.target as HTMLSelectElement).value)}>
                      ${b.cameras.map((c) => html`<option value=${c.id} ?selected=${c.id === b.cameraId}>${c.label}</option>`)}
                    </select></label
                  >`
                : nothing}
            `
          : html`<button data-testid="go-live" ?disabled=${b.phase === 'starting'} @click=${() => b.start()}>
              ${b.phase === 'starting' ? 'Starting…' : 'Go live'}
            </button>`}
      </div>
      <p class="stats" data-testid="publish-stats">${on ? b.statsLine : ''}</p>
      ${on && this.#watch.model?.status?.limits.video
        ? html`<p class="hint" data-testid="publish-limit">${formatLimit('the camera', this.#watch.model.status.limits.video)}</p>`
        : nothing}
      ${b.error ? html`<p class="error" role="alert" data-testid="live-error">${b.error}</p>` : nothing}
      ${this.#renderShare()}
      <present-controls></present-controls>
    `;
  }

  #renderShare() {
    const s = this.#share.model;
    if (!s) return nothing;
    return html`
      ${s.stream
        ? html`<div class="stage screen-preview">
            <video data-testid="screen-preview" .srcObject=${s.stream} .muted=${true} autoplay playsinline></video>
            ${s.phase === 'sharing' ? html`<span class="live" data-testid="share-badge">SHARING</span>` : nothing}
          </div>`
        : nothing}
      <div class="controls">
        ${s.phase === 'idle'
          ? html`<button class="secondary" data-testid="share-screen" @click=${() => s.start()}>Share screen</button>`
          : html`<button class="danger" data-testid="stop-share" ?disabled=${s.phase === 'starting'} @click=${() => s.stop()}>
              ${s.phase === 'starting' ? 'Starting…' : 'Stop sharing'}
            </button>`}
      </div>
      <p class="stats" data-testid="share-stats">${s.phase === 'sharing' ? s.statsLine : ''}</p>
      ${s.phase === 'sharing' && this.#watch.model?.status?.limits.screen
        ? html`<p class="hint" data-testid="share-limit">${formatLimit('the screen', this.#watch.model.status.limits.screen)}</p>`
        : nothing}
      ${s.error ? html`<p class="error" role="alert" data-testid="share-error">${s.error}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'live-publisher': LivePublisher;
  }
}
