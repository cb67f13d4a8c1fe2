/**
 * `<live-player>`: the class as a student sees it: the instructor's video with sound, a LIVE
 * badge, "click to unmute" where the browser wants a gesture first, fullscreen, and a stats line
 * (resolution, fps, bitrate, loss, delay to the host). Clear states: waiting for the instructor,
 * live, the stream ended. While a screen is shared: the screen large and the camera as a
 * picture-in-picture the student can drag, or a layout of their choice (screen only, camera only,
 * side by side; remembered in this browser); a double click makes either picture fullscreen. The
 * watching itself (connection, <video>s) is the LiveWatch's, so it goes on while another tab is shown.
 */
import { css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import type { LiveState } from '../protocol/live.js';
import { AgentElement } from './agent-context.js';
import { LiveWatch } from './live-watch.js';
import { ModelController } from './model-controller.js';
import { liveStyles } from './live-styles.js';
import { sharedStyles } from './shared-styles.js';
import { LAYOUTS, layoutStyles, loadLayout, saveLayout, type Layout } from './live-layout.js';

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
    layoutStyles,
    css`
      .stage:not([data-state='live']) .camera-box {
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

  @query('.camera-box') accessor cameraBox!: HTMLDivElement;
  @query('.screen-box') accessor screenBox!: HTMLDivElement;
  @query('.stage') accessor stage!: HTMLDivElement;
  @state() accessor layout: Layout = loadLayout();
  /** where the picture-in-picture was dragged to (fractions of the stage), or its corner */
  @state() accessor pip: { x: number; y: number } | null = null;
  readonly #watch = new ModelController(this, () => this.client?.model(LiveWatch), (w) => {
    w.want();
    // Out of the document the video would pause: keep it playing (with its sound) elsewhere.
    return () => w.park();
  });

  override updated(): void {
    if (this.#watch.model && this.cameraBox && this.screenBox) this.#watch.model.attach(this.cameraBox, this.screenBox);
  }

  override render() {
    const w = this.#watch.model;
    if (!w) return nothing;
    const state = w.status?.state ?? 'waiting';
    const screen = !!w.status?.screen;
    // No screen: the camera. A screen without the camera: the screen. Both: the student's choice.
    const layout: Layout = !screen ? 'camera' : state !== 'live' ? 'screen' : this.layout;
    const pip = layout === 'pip' && this.pip ? `left:${this.pip.x * 100}%;top:${this.pip.y * 100}%;right:auto;bottom:auto` : '';
    return html`
      <div class="stage" data-testid="live-stage" data-state=${state} data-phase=${w.phase} data-layout=${layout} data-screen=${screen}>
        <div class="screen-box" data-testid="screen-box" @dblclick=${this.#fullscreenOf}></div>
        <div class="camera-box" data-testid="camera-box" style=${pip} @dblclick=${this.#fullscreenOf} @pointerdown=${this.#drag}></div>
        ${state === 'live' || screen ? html`<span class="live" data-testid="live-badge">${state === 'live' ? 'LIVE' : 'SCREEN'}</span>` : this.#overlay(state)}
        <div class="tools">
          ${w.needsGesture && state === 'live'
            ? html`<button class="unmute" data-testid="unmute" @click=${() => w.unmute()}>Click to unmute</button>`
            : nothing}
          <button data-testid="fullscreen" title="Fullscreen" @click=${this.#fullscreen}>Fullscreen</button>
        </div>
      </div>
      ${screen && state === 'live'
        ? html`<div class="layouts" role="group" aria-label="Layout" data-testid="layout-switch">
            ${LAYOUTS.map(
              (l) => html`<button class="secondary" data-testid=${`layout-${l.id}`} aria-pressed=${this.layout === l.id ? 'true' : 'false'} @click=${() => this.#setLayout(l.id)}>
                ${l.label}
              </button>`,
            )}
          </div>`
        : nothing}
      <p class="stats" data-testid="live-stats">${state === 'live' ? w.statsLine : ''}</p>
      ${screen ? html`<p class="stats" data-testid="screen-stats">${w.screenStatsLine}</p>` : nothing}
      ${w.error && w.phase === 'retrying' ? html`<p class="banner" data-testid="live-reconnecting">${w.error}</p>` : nothing}
    `;
  }

  #overlay(state: Exclude<LiveState, 'live'>) {
    return html`<div class="overlay" data-testid="live-message">${OVERLAY[state]}</div>`;
  }

  #setLayout(layout: Layout): void {
    this.layout = layout;
    saveLayout(layout);
  }

  /** A double click: that picture alone fullscreen (again: back). */
  #fullscreenOf = (e: Event) => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void (e.currentTarget as HTMLElement).requestFullscreen().catch(() => {});
  };

  /** Drags the picture-in-picture within the stage. */
  #drag = (e: PointerEvent) => {
    const box = e.currentTarget as HTMLElement;
    if (this.stage?.dataset.layout !== 'pip') return;
    const stage = this.stage.getBoundingClientRect();
    const start = box.getBoundingClientRect();
    const dx = e.clientX - start.left;
    const dy = e.clientY - start.top;
    box.setPointerCapture(e.pointerId);
    const move = (m: PointerEvent) => {
      const x = Math.min(Math.max(0, m.clientX - dx - stage.left), stage.width - start.width) / stage.width;
      const y = Math.min(Math.max(0, m.clientY - dy - stage.top), stage.height - start.height) / stage.height;
      this.pip = { x, y };
    };
    const up = () => {
      box.removeEventListener('pointermove', move);
      box.removeEventListener('pointerup', up);
    };
    box.addEventListener('pointermove', move);
    box.addEventListener('pointerup', up);
  };

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
