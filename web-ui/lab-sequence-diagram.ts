/**
 * `<lab-sequence-diagram>`: the ARQ run as a sequence diagram. Time runs down; the sender's lane is
 * on the left and the receiver's on the right. Each data frame is an arrow from where it left the
 * sender to where it arrived (a cross where it was lost), each ACK an arrow back; a timeout is a
 * clock mark on the sender's lane with a dashed bracket back to when that frame last left.
 * Everything after `cursor` (simulated ms) is hidden, so the page can play the run as it happened.
 */
import { LitElement, css, html, svg, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ArqEvent } from '../protocol/labs/arq.js';
import type { ArqTransmission } from '../protocol/labs/arq-simulation.js';

const WIDTH = 600;
const SENDER_X = 170;
const RECEIVER_X = 500;
const TOP = 40;
/** Pixels per simulated ms (T_f = 1, so a frame is this tall on the lane). */
const PX_PER_MS = 16;
const COLORS = { data: '#1a73e8', retransmit: '#e37400', ack: '#188038', lost: '#d93025', corrupt: '#a142f4' };

@customElement('lab-sequence-diagram')
export class LabSequenceDiagram extends LitElement {
  static override styles = css`
    :host {
      display: block;
      overflow: auto;
      max-height: 560px;
      border: 1px solid var(--border);
      border-radius: 8px;
      background: #fff;
    }
    svg {
      display: block;
      font-family: var(--font);
      font-size: 11px;
    }
    .lane-label {
      font-weight: 700;
      font-size: 13px;
    }
  `;

  @property({ attribute: false }) accessor transmissions: ArqTransmission[] = [];
  @property({ attribute: false }) accessor events: ArqEvent[] = [];
  /** Simulated time shown up to (ms); Infinity shows the whole run. */
  @property({ type: Number }) accessor cursor = Infinity;
  /** End of the run (ms), for the diagram's height. */
  @property({ type: Number }) accessor end = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    // the diagram scrolls: a keyboard user reaches it with Tab and scrolls it with the arrow keys
    this.tabIndex = 0;
    this.setAttribute('role', 'region');
    this.setAttribute('aria-label', 'Sequence diagram of the run');
  }

  override render() {
    const y = (t: number) => TOP + t * PX_PER_MS;
    const height = y(this.end) + 40;
    const cursor = this.cursor;
    const shown = this.transmissions.filter((m) => m.departAt <= cursor);
    const lastSent = new Map<number, number>();
    const timers: { frame: number; from: number; at: number }[] = [];
    for (const e of this.events) {
      if (e.side !== 'sender' || e.t > cursor) continue;
      if (e.kind === 'timeout' && e.frame !== undefined) timers.push({ frame: e.frame, from: lastSent.get(e.frame) ?? 0, at: e.t });
      if ((e.kind === 'send' || e.kind === 'retransmit') && e.frame !== undefined) lastSent.set(e.frame, e.t);
    }
    // A frame's timer runs from when it left the link queue: use departures where known.
    const departures = new Map<string, number>();
    for (const m of this.transmissions) if (m.what === 'data') departures.set(`${m.frame}@${m.handedAt}`, m.departAt);
    return html`<svg
      data-testid="arq-diagram"
      width=${WIDTH}
      height=${height}
      viewBox="0 0 ${WIDTH} ${height}"
      role="img"
      aria-label="Sequence diagram of the ARQ run"
    >
      <defs>
        ${Object.entries(COLORS).map(
          ([k, c]) => svg`<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill=${c}></path></marker>`,
        )}
      </defs>
      <text class="lane-label" x=${SENDER_X} y="20" text-anchor="middle">Sender</text>
      <text class="lane-label" x=${RECEIVER_X} y="20" text-anchor="middle">Receiver</text>
      <line x1=${SENDER_X} y1=${TOP - 8} x2=${SENDER_X} y2=${height - 10} stroke="#5f6368" stroke-width="3"></line>
      <line x1=${RECEIVER_X} y1=${TOP - 8} x2=${RECEIVER_X} y2=${height - 10} stroke="#5f6368" stroke-width="3"></line>
      ${this.#timeTicks(y, height)} ${timers.map((tm) => this.#timer(tm, y, departures))} ${shown.map((m) => this.#arrow(m, y, cursor))}
      ${Number.isFinite(cursor) && cursor < this.end
        ? svg`<line x1="0" x2=${WIDTH} y1=${y(cursor)} y2=${y(cursor)} stroke="#1a73e8" stroke-dasharray="2 3" opacity="0.6"></line>`
        : nothing}
    </svg>`;
  }

  #timeTicks(y: (t: number) => number, height: number) {
    const ticks = [];
    const step = this.end > 200 ? 20 : this.end > 60 ? 10 : 5;
    for (let t = 0; y(t) < height - 20; t += step) {
      ticks.push(svg`<text x="8" y=${y(t) + 4} fill="#80868b">${t} ms</text>
        <line x1="50" x2=${SENDER_X - 34} y1=${y(t)} y2=${y(t)} stroke="#eee"></line>`);
    }
    return ticks;
  }

  #timer(tm: { frame: number; from: number; at: number }, y: (t: number) => number, departures: Map<string, number>) {
    const from = departures.get(`${tm.frame}@${tm.from}`) ?? tm.from;
    const x = SENDER_X - 16;
    return svg`<g data-testid="arq-timeout" data-frame=${tm.frame}>
      <path d="M${x + 10},${y(from)} h-6 V${y(tm.at)} h6" fill="none" stroke=${COLORS.retransmit} stroke-dasharray="3 2"></path>
      <circle cx=${x - 12} cy=${y(tm.at)} r="7" fill="#fff" stroke=${COLORS.retransmit} stroke-width="1.5"></circle>
      <path d="M${x - 12},${y(tm.at) - 4} V${y(tm.at)} h3" stroke=${COLORS.retransmit} fill="none"></path>
      <text x=${x - 22} y=${y(tm.at) + 4} text-anchor="end" fill=${COLORS.retransmit}>timeout ${tm.frame}</text>
    </g>`;
  }

  #arrow(m: ArqTransmission, y: (t: number) => number, cursor: number) {
    const data = m.what === 'data';
    const [x1, x2] = data ? [SENDER_X, RECEIVER_X] : [RECEIVER_X, SENDER_X];
    const t1 = data ? m.departAt + 1 : m.departAt; // a data frame is on the wire once fully sent
    const t2 = m.arriveAt ?? t1 + 1; // a lost frame is drawn half-way (T_p = 2)
    const shownTo = Math.min(cursor, t2);
    const frac = t2 > t1 ? Math.max(0, Math.min(1, (shownTo - t1) / (t2 - t1))) : 1;
    // A lost frame or ACK is drawn half-way across, ending in a cross.
    const reach = m.arriveAt === null ? 0.5 : 1;
    const xe = x1 + (x2 - x1) * reach * frac;
    const ye = y(t1) + (y(t2) - y(t1)) * frac;
    const kind = m.arriveAt === null ? 'lost' : m.corrupted ? 'corrupt' : data ? (m.retransmission ? 'retransmit' : 'data') : 'ack';
    const color = COLORS[kind];
    const arrived = m.arriveAt !== null && cursor >= m.arriveAt;
    const lostShown = m.arriveAt === null && cursor >= t2;
    const label = data ? `${m.retransmission ? 'R ' : ''}${m.frame}` : `ACK ${m.seq}`;
    const lx = x1 + (x2 - x1) * 0.18;
    const ly = y(t1) + (y(t2) - y(t1)) * 0.18;
    return svg`<g data-testid=${data ? 'arq-frame' : 'arq-ack'} data-fate=${m.arriveAt === null ? 'lost' : m.corrupted ? 'corrupt' : 'ok'}>
      ${data ? svg`<rect x=${SENDER_X - 5} y=${y(m.departAt)} width="10" height=${PX_PER_MS} fill=${color} opacity="0.35"></rect>` : nothing}
      <line x1=${x1} y1=${y(t1)} x2=${xe} y2=${ye} stroke=${color} stroke-width="1.6"
        stroke-dasharray=${m.arriveAt === null ? '4 3' : ''} marker-end=${arrived ? `url(#arrow-${kind})` : ''}></line>
      ${lostShown ? svg`<g data-testid="arq-drop" stroke=${COLORS.lost} stroke-width="2.5">
        <line x1=${xe - 6} y1=${ye - 6} x2=${xe + 6} y2=${ye + 6}></line><line x1=${xe - 6} y1=${ye + 6} x2=${xe + 6} y2=${ye - 6}></line></g>` : nothing}
      <text x=${lx} y=${ly - 3} text-anchor="middle" fill=${color}>${label}</text>
    </g>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-sequence-diagram': LabSequenceDiagram;
  }
}
