/**
 * `<lab-view>`: the Labs tab of a room: the Hamming code lab and the sliding-window ARQ lab, one at
 * a time. Both compute in the page from the pure code in protocol/labs; only "run over the
 * network" asks the agent.
 */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.js';
import './lab-arq.js';
import './lab-hamming.js';

const LABS = [
  { id: 'hamming', label: 'Hamming code', about: 'Encode a text, let the channel flip bits, watch the decoder find and fix them.' },
  { id: 'arq', label: 'Sliding-window ARQ', about: 'Stop-and-Wait, Go-Back-N and Selective Repeat over a lossy link, frame by frame.' },
] as const;
type LabId = (typeof LABS)[number]['id'];

@customElement('lab-view')
export class LabView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 14px;
      }
      .pick {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
      }
      .pick button {
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        gap: 2px;
        text-align: left;
        max-width: 360px;
      }
      .pick button span {
        font-weight: 400;
        font-size: 0.85em;
        opacity: 0.9;
      }
    `,
  ];

  @state() accessor lab: LabId = 'hamming';

  override render() {
    return html`
      <div class="pick" role="tablist" aria-label="Labs">
        ${LABS.map(
          (l) => html`<button
            role="tab"
            class=${l.id === this.lab ? '' : 'secondary'}
            aria-selected=${l.id === this.lab}
            data-testid="lab-${l.id}"
            @click=${() => (this.lab = l.id)}
          >
            ${l.label}<span>${l.about}</span>
          </button>`,
        )}
      </div>
      ${this.lab === 'hamming' ? html`<lab-hamming></lab-hamming>` : html`<lab-arq></lab-arq>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-view': LabView;
  }
}
