/**
 * `<live-player>`: the class as a student sees it: the instructor's video with sound, a LIVE
 * badge, "click to unmute" where the browser wants a gesture first, fullscreen, and a stats line
 * (resolution, fps, bitrate, loss, delay to the host). Clear states: waiting for the instructor,
 * live, the stream ended. The watching itself (connection, <video>) is the LiveWatch's, so it goes
 * on while another tab is shown.
 */
import { css, html, nothing } from 'lit';
import { customElement, query } from 'lit/decorators.js';
import type { LiveState } from '../protocol/live.js';
import { AgentElement } from './agent-context.js';
import { LiveWatch } from './live-watch.js';
import { ModelController } from './model-controller.js';
import { liveStyles } from './live-styles.js';
import { sharedStyles } from './shared-styles.js';

/** What the picture says when it is not live (the last frame stays behind it, dimmed). */
const OVERLAY: Record<Exclude<LiveState, 'live'>, unknown> = {
  waiting: html`<strong>Waiting for the instructor</strong><span>The video starts here when the instructor goes live.</span>`,
  paused: html`<strong>Paused: reconnecting</strong><span>The way to the instructor was lost; the video comes back here by itself.</span>`,
  ended: html`<strong>The stream ended</strong><span>The instructor stopped the camera. It comes back here if they go live again.</span>`,
};

@customElement('live-player')
export class LivePlayer extends AgentElement {
  static override styles = [
    sharedStyles,
    liveStyles,
    css`
      .screen,
      .screen video {
        width: 100%;
        height: 100%;
        display: block;
      }
      .screen video {
        object-fit: contain;
      }
      .stage:not([data-state='live']) .screen {
        visibility: hidden;
      }
      .overlay strong {
        font-size: 1.2em;
      }
      .tools {
        position: absolute;
        right: 10px;
        bottom: 10px;
        display: flex;
        gap: 8px;
      }
      .tools button {
        background: rgba(13, 17, 23, 0.75);
        border-color: rgba(255, 255, 255, 0.5);
        color: #fff;
        padding: 6px 12px;
      }
      .tools button.unmute {
        background: var(--accent);
        border-color: var(--accent);
      }
    `,
  ];

  @query('.screen') accessor screen!: HTMLDivElement;
  @query('.stage') accessor stage!: HTMLDivElement;
  readonly #watch = new ModelController(this, () => this.client?.model(LiveWatch), (w) => {
    w.want();
    // Out of the document the video would pause: keep it playing (with its sound) elsewhere.
    return () => w.park();
  });

  override updated(): void {
    if (this.#watch.model && this.screen) this.#watch.model.attach(this.screen);
  }

  override render() {
    const w = this.#watch.model;
    if (!w) return nothing;
    const state = w.status?.state ?? 'waiting';
    return html`
      <div class="stage" data-testid="live-stage" data-state=${state} data-phase=${w.phase}>
        <div class="screen"></div>
        ${state === 'live' ? html`<span class="live" data-testid="live-badge">LIVE</span>` : this.#overlay(state)}
        <div class="tools">
          ${w.needsGesture && state === 'live'
            ? html`<button class="unmute" data-testid="unmute" @click=${() => w.unmute()}>Click to unmute</button>`
            : nothing}
          <button data-testid="fullscreen" title="Fullscreen" @click=${this.#fullscreen}>Fullscreen</button>
        </div>
      </div>
      <p class="stats" data-testid="live-stats">${state === 'live' ? w.statsLine : ''}</p>
      ${w.error && w.phase === 'retrying' ? html`<p class="banner" data-testid="live-reconnecting">${w.error}</p>` : nothing}
    `;
  }

  #overlay(state: Exclude<LiveState, 'live'>) {
    return html`<div class="overlay" data-testid="live-message">${OVERLAY[state]}</div>`;
  }

  #fullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void this.stage?.requestFullscreen().catch(() => {});
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'live-player': LivePlayer;
  }
}
