/**
 * `<lab-sweep-chart>`: measured link utilisation (efficiency) against data loss for each protocol,
 * as dots joined by a solid line, next to the textbook formula as a dashed line of the same colour.
 * The points come from the page (the seeded simulator); this element only draws.
 */
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ARQ_PROTOCOL_NAMES, type ArqProtocol } from '../protocol/labs/arq.js';

export interface SweepSeries {
  protocol: ArqProtocol;
  window: number;
  points: { loss: number; measured: number; textbook: number }[];
}

const W = 560;
const H = 300;
const PAD = { left: 48, right: 150, top: 16, bottom: 40 };
const COLOR: Record<ArqProtocol, string> = { sr: '#1a73e8', gbn: '#e37400', sw: '#188038' };

@customElement('lab-sweep-chart')
export class LabSweepChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    /* scales down with its viewBox on a narrow screen */
    svg {
      max-width: 100%;
      height: auto;
      font-family: var(--font);
      font-size: 11px;
      background: #fff;
      border: 1px solid var(--border);
      border-radius: 8px;
    }
  `;

  @property({ attribute: false }) accessor series: SweepSeries[] = [];
  @property({ type: Number }) accessor maxLoss = 0.5;

  override render() {
    const x = (loss: number) => PAD.left + (loss / this.maxLoss) * (W - PAD.left - PAD.right);
    const y = (u: number) => PAD.top + (1 - u) * (H - PAD.top - PAD.bottom);
    const path = (pts: [number, number][]) => pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    const xTicks = Array.from({ length: 6 }, (_, i) => (i * this.maxLoss) / 5);
    return html`<svg data-testid="arq-sweep" width=${W} height=${H} viewBox="0 0 ${W} ${H}" role="img" aria-label="Efficiency against loss">
      ${[0, 0.25, 0.5, 0.75, 1].map(
        (u) => svg`<line x1=${PAD.left} x2=${W - PAD.right} y1=${y(u)} y2=${y(u)} stroke="#eee"></line>
          <text x=${PAD.left - 6} y=${y(u) + 4} text-anchor="end" fill="#5f6368">${u}</text>`,
      )}
      ${xTicks.map((l) => svg`<text x=${x(l)} y=${H - PAD.bottom + 16} text-anchor="middle" fill="#5f6368">${l.toFixed(1)}</text>`)}
      <text x=${(PAD.left + W - PAD.right) / 2} y=${H - 6} text-anchor="middle" fill="#3c4043">data frame loss p</text>
      <text transform="translate(12 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#3c4043">utilisation U</text>
      ${this.series.map((s, i) => {
        const c = COLOR[s.protocol];
        const measured = s.points.map((p) => [x(p.loss), y(p.measured)] as [number, number]);
        const textbook = s.points.map((p) => [x(p.loss), y(p.textbook)] as [number, number]);
        const ly = PAD.top + 10 + i * 38;
        return svg`<g data-testid="arq-sweep-series" data-protocol=${s.protocol}>
          <path d=${path(textbook)} fill="none" stroke=${c} stroke-width="1.5" stroke-dasharray="5 4"></path>
          <path d=${path(measured)} fill="none" stroke=${c} stroke-width="2"></path>
          ${measured.map(([px, py]) => svg`<circle cx=${px} cy=${py} r="3" fill=${c}></circle>`)}
          <line x1=${W - PAD.right + 12} x2=${W - PAD.right + 32} y1=${ly} y2=${ly} stroke=${c} stroke-width="2"></line>
          <text x=${W - PAD.right + 36} y=${ly + 4} fill="#3c4043">${ARQ_PROTOCOL_NAMES[s.protocol]}</text>
          <line x1=${W - PAD.right + 12} x2=${W - PAD.right + 32} y1=${ly + 14} y2=${ly + 14} stroke=${c} stroke-dasharray="5 4"></line>
          <text x=${W - PAD.right + 36} y=${ly + 18} fill="#5f6368">formula, W = ${s.window}</text>
        </g>`;
      })}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-sweep-chart': LabSweepChart;
  }
}
