/**
 * `<lab-hamming>`: the Hamming lab in the browser, straight from the pure code in protocol/labs.
 * Each codeword gets a small table: the bits sent, the bits received (a flipped bit in red; click
 * any bit to flip it yourself), and the bits after decoding (the corrected bit in green), with the
 * syndrome and what the decoder concluded. The seed makes a run of random errors repeatable.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import {
  codewordPositions,
  type HammingCodewordRecord,
  type HammingErrorSpec,
  type HammingLabResult,
  type HammingScheme,
  parityPositions,
  runHammingLab,
} from '../protocol/labs/hamming.js';
import { sharedStyles } from './shared-styles.js';

/** Enough for a word or a short sentence; every byte is two cards. */
const MAX_TEXT_BYTES = 48;
const DEFAULT_RATE = 0.5;

const positionName = (pos: number): string => (pos === 0 ? 'p0' : [1, 2, 4].includes(pos) ? `p${pos}` : `d${[3, 5, 6, 7].indexOf(pos) + 1}`);
const bitOf = (word: number, pos: number) => (word >>> pos) & 1;
const STATUS_LABEL = { ok: 'no error', corrected: 'corrected', detected: 'double error detected' } as const;

@customElement('lab-hamming')
export class LabHamming extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 14px;
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
        align-items: flex-end;
      }
      .controls .text {
        flex: 1 1 240px;
      }
      .controls input[type='number'] {
        width: 110px;
      }
      .scheme {
        display: flex;
        gap: 0;
      }
      .scheme button {
        border-radius: 0;
      }
      .scheme button:first-child {
        border-radius: 6px 0 0 6px;
      }
      .scheme button:last-child {
        border-radius: 0 6px 6px 0;
      }
      .result {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 20px;
        align-items: baseline;
        padding: 10px 14px;
        border-radius: 8px;
        background: var(--accent-soft);
      }
      .decoded {
        font-family: var(--mono);
        font-size: 1.1em;
        font-weight: 700;
      }
      .counts {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 14px;
        color: var(--muted);
        font-size: 0.9em;
      }
      .counts b {
        color: var(--fg);
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
        font-size: 0.85em;
        color: var(--muted);
        align-items: center;
      }
      .swatch {
        display: inline-block;
        width: 14px;
        height: 14px;
        border-radius: 3px;
        vertical-align: -2px;
        margin-right: 4px;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(236px, 1fr));
        gap: 10px;
      }
      .cw {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 8px 10px;
        display: flex;
        flex-direction: column;
        gap: 6px;
        background: var(--surface);
      }
      .cw[data-status='corrected'] {
        border-color: #8fd19e;
      }
      .cw[data-status='detected'] {
        border-color: #f4b400;
        background: #fffbea;
      }
      .cw header {
        display: flex;
        justify-content: space-between;
        gap: 6px;
        font-size: 0.85em;
      }
      .cw header .char {
        font-family: var(--mono);
        font-weight: 700;
      }
      table {
        border-collapse: collapse;
        font-family: var(--mono);
        font-size: 0.9em;
      }
      th,
      td {
        width: 24px;
        height: 22px;
        text-align: center;
        padding: 0;
      }
      th {
        font-weight: 600;
        color: var(--muted);
        font-size: 0.8em;
      }
      th.parity,
      td.parity {
        background: #f1f3f4;
      }
      th.row {
        width: auto;
        text-align: right;
        padding-right: 6px;
      }
      td.bit {
        border-radius: 4px;
      }
      /* a received bit is a button (Tab to it, Enter or Space flips it) drawn as the bare digit */
      td.bit button {
        all: unset;
        display: block;
        width: 100%;
        cursor: pointer;
        border-radius: 4px;
      }
      td.bit:hover {
        outline: 1px solid var(--accent);
      }
      td.bit button:focus-visible {
        outline: 2px solid var(--accent);
        outline-offset: 1px;
      }
      td[data-state='flipped'] {
        background: #d93025;
        color: #fff;
        font-weight: 700;
      }
      td[data-state='corrected'] {
        background: #188038;
        color: #fff;
        font-weight: 700;
      }
      .cw footer {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 12px;
        justify-content: space-between;
        font-size: 0.8em;
        color: var(--muted);
      }
      .status {
        font-weight: 700;
      }
      .status[data-status='corrected'] {
        color: #188038;
      }
      .status[data-status='detected'] {
        color: #b06000;
      }
    `,
  ];

  @state() accessor text = 'Hi!';
  @state() accessor scheme: HammingScheme = '7,4';
  @state() accessor seed = 7;
  @state() accessor rate = DEFAULT_RATE;
  /** null: seeded random errors; otherwise the flips the person chose by clicking */
  @state() accessor chosen: Record<number, number[]> | null = null;

  #result(): { result: HammingLabResult | null; error: string | null } {
    const errors: HammingErrorSpec = this.chosen
      ? { kind: 'chosen', flips: this.chosen }
      : { kind: 'random', seed: this.seed, probability: this.rate, doubleProbability: this.scheme === '8,4' ? 0.3 : 0 };
    try {
      return { result: runHammingLab(this.text, { scheme: this.scheme, errors }), error: null };
    } catch (err) {
      return { result: null, error: (err as Error).message };
    }
  }

  override render() {
    const { result, error } = this.#result();
    const bytes = new TextEncoder().encode(this.text).length;
    return html`
      <div class="controls">
        <label class="text">
          Text to send
          <input data-testid="hamming-text" .value=${this.text} @input=${this.#onText} maxlength="48" />
        </label>
        <label>
          Code
          <span class="scheme" role="group">
            ${(['7,4', '8,4'] as const).map(
              (s) => html`<button
                class=${s === this.scheme ? '' : 'secondary'}
                data-testid="hamming-scheme-${s === '7,4' ? '74' : '84'}"
                aria-pressed=${s === this.scheme}
                @click=${() => this.#setScheme(s)}
              >
                ${s === '7,4' ? 'Hamming (7,4)' : 'SECDED (8,4)'}
              </button>`,
            )}
          </span>
        </label>
        <label>
          Seed
          <input data-testid="hamming-seed" type="number" min="0" .value=${String(this.seed)} @change=${this.#onSeed} />
        </label>
        <label>
          P(error per codeword)
          <input data-testid="hamming-rate" type="number" min="0" max="1" step="0.05" .value=${String(this.rate)} @change=${this.#onRate} />
        </label>
        <button
          class="secondary"
          data-testid="hamming-random"
          ?disabled=${!this.chosen}
          title=${this.chosen ? `Back to the random errors of seed ${this.seed}` : `These are the random errors of seed ${this.seed}: flip a bit to make your own`}
          @click=${() => (this.chosen = null)}
        >
          Random errors again
        </button>
      </div>
      ${bytes > MAX_TEXT_BYTES ? html`<p class="banner">Only the first ${MAX_TEXT_BYTES} bytes are shown.</p>` : nothing}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${result ? this.#renderResult(result) : nothing}
    `;
  }

  #renderResult(r: HammingLabResult) {
    const c = r.counts;
    return html`
      <div class="result">
        <span>Decoded: <span class="decoded" data-testid="hamming-decoded">${JSON.stringify(r.decodedText)}</span></span>
        <span class="counts" data-testid="hamming-counts">
          <span><b>${c.codewords}</b> codewords</span>
          <span><b>${c.flippedBits}</b> flipped bits</span>
          <span><b data-testid="hamming-corrected">${c.corrected}</b> corrected</span>
          <span><b data-testid="hamming-detected">${c.detected}</b> detected</span>
          <span><b>${c.ok}</b> clean</span>
        </span>
      </div>
      <p class="legend">
        <span><span class="swatch" style="background:#f1f3f4;border:1px solid #ddd"></span>parity bit</span>
        <span><span class="swatch" style="background:#d93025"></span>bit flipped by the channel</span>
        <span><span class="swatch" style="background:#188038"></span>bit the decoder corrected</span>
        <span>${this.chosen ? 'Your own errors: click a received bit to flip it back.' : `Random errors from seed ${this.seed}. Click any received bit to flip it.`}
          ${this.scheme === '7,4'
            ? 'Hamming (7,4) gets one flipped bit per codeword here, so a second click moves it: with two errors its decoder would "correct" a third bit and deliver wrong data without noticing. SECDED (8,4) takes two and detects them.'
            : nothing}</span>
      </p>
      <div class="grid">${r.codewords.slice(0, MAX_TEXT_BYTES * 2).map((cw) => this.#renderCodeword(cw))}</div>
    `;
  }

  #renderCodeword(cw: HammingCodewordRecord) {
    const positions = codewordPositions(this.scheme);
    const parity = new Set(parityPositions(this.scheme));
    const after = cw.correctedBit === null ? cw.received : cw.received ^ (1 << cw.correctedBit);
    const char = cw.half === 'high' ? this.#charAt(cw.byteIndex) : '';
    const row = (label: string, word: number, kind: 'sent' | 'received' | 'decoded') => html`<tr>
      <th class="row">${label}</th>
      ${positions.map((pos) => {
        const state =
          kind === 'received' && cw.flipped.includes(pos) ? 'flipped' : kind === 'decoded' && cw.correctedBit === pos ? 'corrected' : 'plain';
        return html`<td
          class="${parity.has(pos) ? 'parity' : ''} ${kind === 'received' ? 'bit' : ''}"
          data-testid="${kind}-bit"
          data-pos=${pos}
          data-state=${state}
        >
          ${kind === 'received'
            ? html`<button
                type="button"
                title="flip ${positionName(pos)}"
                aria-label="codeword ${cw.index}, received ${positionName(pos)} = ${bitOf(word, pos)}: flip"
                @click=${() => this.#flip(cw.index, pos)}
              >
                ${bitOf(word, pos)}
              </button>`
            : bitOf(word, pos)}
        </td>`;
      })}
    </tr>`;
    return html`<section class="cw" data-testid="hamming-codeword" data-index=${cw.index} data-status=${cw.status}>
      <header>
        <span>#${cw.index} <span class="char">${char}</span> ${cw.half === 'high' ? 'high' : 'low'} nibble</span>
        <span>data <code>${cw.dataBits}</code> parity <code>${cw.parityBits}</code></span>
      </header>
      <table>
        <tr>
          <th></th>
          ${positions.map((pos) => html`<th class=${parity.has(pos) ? 'parity' : ''}>${positionName(pos)}</th>`)}
        </tr>
        ${row('sent', cw.sent, 'sent')} ${row('received', cw.received, 'received')} ${row('decoded', after, 'decoded')}
      </table>
      <footer>
        <span data-testid="syndrome"
          >syndrome <code>${cw.syndrome.toString(2).padStart(3, '0')}</code> (${cw.syndrome})${cw.overallParity === null
            ? nothing
            : html`, parity ${cw.overallParity}`}</span
        >
        <span class="status" data-status=${cw.status}>${STATUS_LABEL[cw.status]}</span>
      </footer>
    </section>`;
  }

  #charAt(byteIndex: number): string {
    let at = 0;
    for (const ch of this.text) {
      if (at === byteIndex) return `'${ch}'`;
      at += new TextEncoder().encode(ch).length;
      if (at > byteIndex) break;
    }
    return '·';
  }

  /** Flips or unflips one received bit; the random plan becomes the starting point of the person's own. */
  #flip(index: number, pos: number): void {
    const { result } = this.#result();
    if (!result) return;
    const flips: Record<number, number[]> = {};
    for (const cw of result.codewords) if (cw.flipped.length) flips[cw.index] = [...cw.flipped];
    const mine = flips[index] ?? [];
    const max = this.scheme === '8,4' ? 2 : 1;
    flips[index] = mine.includes(pos) ? mine.filter((p) => p !== pos) : [...mine, pos].slice(-max);
    this.chosen = flips;
  }

  #onText = (e: Event) => {
    this.text = (e.target as HTMLInputElement).value;
    this.chosen = null;
  };

  #setScheme(s: HammingScheme): void {
    this.scheme = s;
    this.chosen = null;
  }

  #onSeed = (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isInteger(v) && v >= 0) this.seed = v;
    this.chosen = null;
  };

  #onRate = (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (v >= 0 && v <= 1) this.rate = v;
    this.chosen = null;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-hamming': LabHamming;
  }
}
