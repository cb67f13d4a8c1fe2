/**
 * `<recording-controls>`: the instructor's Record / Stop, with the file's size and the disk's free
 * space while recording (docs/record.md). The file goes into `recordings/` of the share.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import type { RecordingStatus } from '../protocol/recording.js';
import { AgentElement } from './agent-context.js';
import { followRoom } from './follow-room.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';

const size = (b: number) => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

@customElement('recording-controls')
export class RecordingControls extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      .muted {
        color: var(--muted);
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() accessor status: RecordingStatus | null = null;
  @state() accessor busy = false;
  @state() accessor error: string | null = null;

  constructor() {
    super();
    new ModelController(this, () => this.client, (client) => {
      const offs = [
        client.onEvent('record-status', (ev) => (this.status = ev.status)),
        followRoom(client, () => {
          if (client.state?.phase === 'hosting') void this.#do(() => client.request({ type: 'record-status' }));
        }),
      ];
      return () => offs.forEach((off) => off());
    });
  }

  async #do(fn: () => Promise<RecordingStatus>): Promise<void> {
    this.busy = true;
    try {
      this.status = await fn();
      this.error = null;
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const client = this.client;
    if (client?.state?.phase !== 'hosting') return nothing;
    const s = this.status;
    return html`<div class="row">
        ${s?.recording
          ? html`<button class="danger" data-testid="record-stop" ?disabled=${this.busy} @click=${() => this.#do(() => client.request({ type: 'record-stop' }))}>Stop recording</button>
              <span data-testid="record-state" data-recording="true">● Recording ${s.file} · ${size(s.bytes)} · ${size(s.freeBytes)} free</span>
              ${s.screen ? html`<span class="muted" data-testid="record-screen">Shared screen: ${s.screen.file} · ${size(s.screen.bytes)}</span>` : nothing}`
          : html`<button data-testid="record-start" ?disabled=${this.busy || !!s?.saving} @click=${() => this.#do(() => client.request({ type: 'record-start' }))}>Record</button>
              <span class="muted" data-testid="record-state" data-recording="false" aria-live="polite"
                >${s?.saving ? `Saving ${s.file} (${size(s.bytes)}): finishing the file… ` : s?.file ? `Saved ${s.file} (${size(s.bytes)})${s.screen ? ` and the shared screen ${s.screen.file} (${size(s.screen.bytes)})` : ''} in the shared folder. ` : 'Records camera and microphone (and a shared screen, in its own file) into recordings/ of the shared folder. '}${s ? `${size(s.freeBytes)} free.` : ''}</span
              >`}
      </div>
      ${s?.stopped ? html`<p class="error" role="alert">The recording stopped: ${s.stopped}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="record-error">${this.error}</p>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'recording-controls': RecordingControls;
  }
}
