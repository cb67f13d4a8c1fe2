/**
 * `<lab-windows>`: the sender's and the receiver's sliding windows at one moment of an ARQ run,
 * rebuilt from the event log: one box per frame, coloured by what that end knows of it, with the
 * window drawn around the frames it currently spans.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ArqEvent, ArqProtocol } from '../protocol/labs/arq.js';

type SenderState = 'acked' | 'outstanding' | 'usable' | 'later';
type ReceiverState = 'delivered' | 'buffered' | 'expected' | 'later';

/** What each end knew at time `t`, from the events logged up to then. */
export function windowsAt(events: ArqEvent[], t: number, segments: number, window: number, protocol: ArqProtocol) {
  let base = 0;
  let next = 0;
  let expected = 0;
  const acked = new Set<number>();
  const buffered = new Set<number>();
  for (const e of events) {
    if (e.t > t) break;
    if (e.side === 'sender') {
      // Every sender event records the window as it stood right after it.
      if (e.base !== undefined) base = e.base;
      if (e.next !== undefined) next = e.next;
      if (e.kind === 'ack' && e.frame !== undefined && protocol === 'sr') acked.add(e.frame);
    } else if (e.side === 'receiver') {
      if (e.kind === 'buffer' && e.frame !== undefined) buffered.add(e.frame);
      if (e.kind === 'deliver') {
        buffered.delete(expected);
        expected++;
      }
    }
  }
  const sender: SenderState[] = [];
  const receiver: ReceiverState[] = [];
  for (let f = 0; f < segments; f++) {
    sender.push(f < base || acked.has(f) ? 'acked' : f < next ? 'outstanding' : f < base + window ? 'usable' : 'later');
    receiver.push(f < expected ? 'delivered' : buffered.has(f) ? 'buffered' : f < expected + (protocol === 'sr' ? window : 1) ? 'expected' : 'later');
  }
  return { base, next, expected, sender, receiver };
}

@customElement('lab-windows')
export class LabWindows extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 8px;
      font-size: 0.85em;
    }
    .row {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .name {
      width: 92px;
      flex: none;
      font-weight: 600;
      color: var(--muted);
    }
    .boxes {
      display: flex;
      flex-wrap: wrap;
      gap: 2px;
    }
    .box {
      width: 22px;
      height: 22px;
      display: flex;
      align-items: center;
      justify-content: center;
      border-radius: 3px;
      font-family: var(--mono);
      font-size: 0.8em;
      border: 1px solid #dadce0;
      background: #f8f9fa;
      color: #9aa0a6;
    }
    .box.in {
      box-shadow: 0 -3px 0 #1a73e8 inset;
    }
    .box[data-state='acked'],
    .box[data-state='delivered'] {
      background: #ceead6;
      border-color: #188038;
      color: #0d652d;
    }
    .box[data-state='outstanding'] {
      background: #fde293;
      border-color: #e37400;
      color: #7a4100;
    }
    .box[data-state='usable'],
    .box[data-state='expected'] {
      background: #fff;
      border-color: #1a73e8;
      color: #1a73e8;
    }
    .box[data-state='buffered'] {
      background: #d2e3fc;
      border-color: #1a73e8;
      color: #174ea6;
    }
    .key {
      color: var(--muted);
    }
  `;

  @property({ attribute: false }) accessor events: ArqEvent[] = [];
  @property({ type: Number }) accessor segments = 0;
  @property({ type: Number }) accessor window = 1;
  @property() accessor protocol: ArqProtocol = 'sr';
  @property({ type: Number }) accessor cursor = Infinity;

  override render() {
    const w = windowsAt(this.events, this.cursor, this.segments, this.window, this.protocol);
    const rxWindow = this.protocol === 'sr' ? this.window : 1;
    return html`
      <div class="row" data-testid="arq-sender-window" data-base=${w.base} data-next=${w.next}>
        <span class="name">Sender</span>
        <span class="boxes">
          ${w.sender.map((s, f) => html`<span class="box ${f >= w.base && f < w.base + this.window ? 'in' : ''}" data-state=${s}>${f}</span>`)}
        </span>
      </div>
      <div class="row" data-testid="arq-receiver-window" data-expected=${w.expected}>
        <span class="name">Receiver</span>
        <span class="boxes">
          ${w.receiver.map((s, f) => html`<span class="box ${f >= w.expected && f < w.expected + rxWindow ? 'in' : ''}" data-state=${s}>${f}</span>`)}
        </span>
      </div>
      <p class="key">
        Window [base ${w.base}, next ${w.next}) of ${this.window}: green acknowledged / delivered, amber sent and waiting for an ACK,
        white may be sent / expected next, blue buffered out of order; the blue underline is each end's window.
      </p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-windows': LabWindows;
  }
}
