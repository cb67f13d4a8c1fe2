/**
 * The swarm's state, when the agent runs with `--swarm`: the DHT (connecting, ready, unreachable)
 * and this room on it (announcing / announced with its room code, searching, found, connected),
 * in one line the person can act on. Hidden when the agent has no swarm.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatRoomCode, type SwarmStatus } from '../protocol/swarm.js';
import { sharedStyles } from './shared-styles.js';

const DHT_LABEL: Record<SwarmStatus['dht'], string> = {
  bootstrapping: 'Swarm: connecting',
  ready: 'Swarm: ready',
  unreachable: 'Swarm: unreachable',
};

@customElement('swarm-status')
export class SwarmStatusElement extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      p {
        margin: 0;
        padding: 10px 16px;
        border-radius: var(--radius);
        border: 1px solid var(--border);
        background: var(--surface);
        display: flex;
        flex-wrap: wrap;
        gap: 6px 12px;
        align-items: center;
      }
      p[data-dht='unreachable'] {
        border-color: var(--warn);
        background: var(--warn-soft);
      }
      .label {
        font-weight: 700;
      }
      p[data-dht='unreachable'] .label {
        color: var(--warn);
      }
      code {
        font-family: var(--mono);
        user-select: all;
      }
    `,
  ];

  @property({ attribute: false }) accessor status: SwarmStatus | undefined;

  override render() {
    const s = this.status;
    if (!s) return nothing;
    const room = s.room;
    return html`<p data-testid="swarm-status" data-dht=${s.dht} data-room-state=${room?.state ?? 'none'} role="status">
      <span class="label">${DHT_LABEL[s.dht]}</span>
      <span data-testid="swarm-message">${s.message}</span>
      ${room?.role === 'host'
        ? html`<span>Room code: <code data-testid="swarm-room-code">${formatRoomCode(room.roomId)}</code></span>`
        : nothing}
    </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'swarm-status': SwarmStatusElement;
  }
}
