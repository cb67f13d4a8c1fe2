/**
 * `<lab-arq>`: the ARQ lab. The run is the seeded simulator from protocol/labs, in the browser, on
 * the textbook link (T_f = 1 ms per frame, T_p = 2 ms): the same inputs and seed give exactly what
 * `camvid lab arq --simulate` prints. It draws the sequence diagram (played back over time, or
 * scrubbed), both sliding windows at that moment, the summary, and a sweep of efficiency against
 * loss next to the textbook formula. `<lab-arq-network>` below runs the same protocol for real
 * between this agent and a classmate's.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ARQ_PROTOCOL_NAMES, ARQ_PROTOCOLS, type ArqProtocol, DEFAULT_SEGMENT_SIZE } from '../protocol/labs/arq.js';
import { type ArqSimulationResult, defaultSimulatedTimeout, simulateArq } from '../protocol/labs/arq-simulation.js';
import { sharedStyles } from './shared-styles.js';
import type { SweepSeries } from './lab-sweep-chart.js';
import type { ArqParams } from './lab-arq-network.js';
import './lab-arq-network.js';
import './lab-sequence-diagram.js';
import './lab-sweep-chart.js';
import './lab-windows.js';

/** Simulated ms of the run per second of playback. */
const PLAY_MS_PER_SECOND = 8;
const SWEEP_LOSSES = Array.from({ length: 11 }, (_, i) => i * 0.05);
const SWEEP_SEGMENTS = 400;


/** The run the page shows: the same call the CLI's --simulate makes for a file of that size. */
export function simulateParams(p: ArqParams): ArqSimulationResult {
  return simulateArq({
    config: { protocol: p.protocol, window: p.protocol === 'sw' ? 1 : p.window, timeout: p.timeout },
    data: new Uint8Array(p.segments * DEFAULT_SEGMENT_SIZE),
    seed: p.seed,
    dataLoss: p.loss,
    ackLoss: p.ackLoss,
  });
}

function sweep(p: ArqParams): SweepSeries[] {
  return ARQ_PROTOCOLS.map((protocol) => {
    const window = protocol === 'sw' ? 1 : p.window;
    const points = SWEEP_LOSSES.map((loss) => {
      const r = simulateArq({
        config: { protocol, window, timeout: p.timeout, segmentSize: 1 },
        data: new Uint8Array(SWEEP_SEGMENTS),
        seed: p.seed,
        dataLoss: loss,
        ackLoss: p.ackLoss,
      });
      return { loss, measured: r.measuredUtilisation, textbook: r.textbookUtilisation };
    });
    return { protocol, window, points };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

@customElement('lab-arq')
export class LabArq extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      .controls {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 180px), 1fr));
        gap: 10px 16px;
        align-items: end;
      }
      input[type='range'] {
        padding: 0;
        border: none;
      }
      .value {
        font-family: var(--mono);
        color: var(--fg);
      }
      /* a command to copy, one per line */
      code.cmd {
        display: block;
        margin-top: 4px;
        overflow-wrap: anywhere;
      }
      .main {
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      /* the sequence diagram scrolls inside its box instead of widening the page */
      .main > * {
        min-width: 0;
      }
      .side {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(220px, 280px);
        gap: 20px;
        align-items: start;
      }
      @media (max-width: 900px) {
        .side {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .play {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .play input {
        flex: 1;
      }
      dl {
        display: grid;
        grid-template-columns: auto auto;
        gap: 4px 12px;
        margin: 0;
        font-size: 0.9em;
      }
      dt {
        color: var(--muted);
      }
      dd {
        margin: 0;
        font-family: var(--mono);
        text-align: right;
      }
      h3 {
        font-size: 1em;
        margin-bottom: 6px;
      }
      .note {
        font-size: 0.85em;
        color: var(--muted);
        margin: 4px 0 0;
        max-width: 75ch;
      }
    `,
  ];

  @state() accessor params: ArqParams = { protocol: 'sr', window: 5, timeout: defaultSimulatedTimeout(), loss: 0.2, ackLoss: 0, seed: 1, segments: 20 };
  @state() accessor cursor = Infinity;
  @state() accessor playing = false;
  #run: { key: string; result: ArqSimulationResult; error: null } | { key: string; result: null; error: string } | null = null;
  #sweep: { key: string; series: SweepSeries[] } | null = null;
  #raf = 0;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.#raf);
    this.playing = false;
  }

  #result() {
    const key = JSON.stringify(this.params);
    if (this.#run?.key !== key) {
      try {
        this.#run = { key, result: simulateParams(this.params), error: null };
      } catch (err) {
        this.#run = { key, result: null, error: (err as Error).message };
      }
    }
    return this.#run;
  }

  #series(): SweepSeries[] {
    const { window, timeout, ackLoss, seed } = this.params;
    const key = JSON.stringify({ window, timeout, ackLoss, seed });
    if (this.#sweep?.key !== key) this.#sweep = { key, series: sweep(this.params) };
    return this.#sweep.series;
  }

  override render() {
    const p = this.params;
    const run = this.#result();
    return html`
      <div class="controls">
        <label>
          Protocol
          <select data-testid="arq-protocol" .value=${p.protocol} @change=${(e: Event) => this.#set({ protocol: (e.target as HTMLSelectElement).value as ArqProtocol })}>
            ${ARQ_PROTOCOLS.map((x) => html`<option value=${x} ?selected=${x === p.protocol}>${ARQ_PROTOCOL_NAMES[x]}</option>`)}
          </select>
        </label>
        ${this.#slider('Window (frames)', 'arq-window', p.protocol === 'sw' ? 1 : p.window, 1, 16, 1, (v) => this.#set({ window: v }), p.protocol === 'sw')}
        ${this.#slider('Timeout (ms)', 'arq-timeout', p.timeout, 1, 20, 1, (v) => this.#set({ timeout: v }))}
        ${this.#slider('Data loss', 'arq-loss', p.loss, 0, 0.6, 0.05, (v) => this.#set({ loss: v }))}
        ${this.#slider('ACK loss', 'arq-ack-loss', p.ackLoss, 0, 0.6, 0.05, (v) => this.#set({ ackLoss: v }))}
        ${this.#slider('Frames in the file', 'arq-segments', p.segments, 2, 60, 1, (v) => this.#set({ segments: v }))}
        <label>
          Seed
          <input data-testid="arq-seed" type="number" min="0" .value=${String(p.seed)} @change=${this.#onSeed} />
        </label>
      </div>
      <p class="note">
        Simulated link: each frame takes T<sub>f</sub> = 1 ms to send and T<sub>p</sub> = 2 ms to cross (a = 2), so one round trip is
        5 ms, the default timeout. The file is ${p.segments} × ${DEFAULT_SEGMENT_SIZE} B; the same run in a terminal, in the CAMVID
        folder (a file of that size first, then the run):
        <code class="cmd" data-testid="arq-cli-file">head -c ${p.segments * DEFAULT_SEGMENT_SIZE} /dev/urandom &gt; send.txt</code>
        <code class="cmd" data-testid="arq-cli">npx camvid lab arq --simulate --protocol ${p.protocol} --window ${p.protocol === 'sw' ? 1 : p.window} --timeout ${p.timeout}
          --loss ${p.loss} --ack-loss ${p.ackLoss} --seed ${p.seed} send.txt receive.txt</code>
      </p>
      ${run?.error ? html`<p class="error" role="alert" data-testid="arq-error">${run.error}</p>` : nothing}
      ${run?.result ? this.#renderRun(run.result) : nothing}
      <section>
        <h3>Efficiency against loss</h3>
        <lab-sweep-chart .series=${this.#series()}></lab-sweep-chart>
        <p class="note">
          ${SWEEP_SEGMENTS} frames per point, seed ${p.seed}, window ${p.window} (Stop-and-Wait: 1), timeout ${p.timeout} ms. With a window of
          1 + 2a = 5 or less, Selective Repeat stalls on every loss and falls below 1 − p; widen the window to see it approach the formula.
        </p>
      </section>
      <lab-arq-network .params=${p}></lab-arq-network>
    `;
  }

  #renderRun(r: ArqSimulationResult) {
    const s = r.stats;
    const end = s.elapsed;
    const cursor = Math.min(this.cursor, end);
    return html`<div class="main">
      <div>
        <div class="play">
          <button class="secondary" data-testid="arq-play" @click=${this.#togglePlay}>${this.playing ? 'Pause' : 'Play'}</button>
          <input
            data-testid="arq-cursor"
            aria-label="Simulated time shown"
            type="range"
            min="0"
            max=${end}
            step="0.5"
            .value=${String(cursor)}
            @input=${(e: Event) => this.#scrub(Number((e.target as HTMLInputElement).value))}
          />
          <span class="value">${cursor.toFixed(1)} ms</span>
        </div>
        <lab-sequence-diagram .transmissions=${r.transmissions} .events=${r.events} .cursor=${cursor} .end=${end}></lab-sequence-diagram>
      </div>
      <div class="side">
        <section>
          <h3>Sliding windows at ${cursor.toFixed(1)} ms</h3>
          <lab-windows .events=${r.events} .segments=${s.segments} .window=${r.config.window} .protocol=${r.config.protocol} .cursor=${cursor}></lab-windows>
        </section>
        <section>
          <h3>Summary</h3>
          <dl
            data-testid="arq-summary"
            data-sent=${s.dataFramesSent}
            data-retransmissions=${s.retransmissions}
            data-timeouts=${s.timeouts}
            data-acks-sent=${s.acksSent}
            data-data-dropped=${s.dataDropped}
            data-acks-dropped=${s.acksDropped}
            data-elapsed=${s.elapsed.toFixed(1)}
            data-efficiency=${pct(s.efficiency)}
            data-utilisation=${r.measuredUtilisation.toFixed(3)}
            data-textbook=${r.textbookUtilisation.toFixed(3)}
          >
            <dt>Frames sent</dt>
            <dd>${s.dataFramesSent} (${s.segments} new)</dd>
            <dt>Retransmissions</dt>
            <dd>${s.retransmissions}</dd>
            <dt>Timeouts</dt>
            <dd>${s.timeouts}</dd>
            <dt>ACKs sent / received</dt>
            <dd>${s.acksSent} / ${s.acksReceived}</dd>
            <dt>Dropped data / ACKs</dt>
            <dd>${s.dataDropped} / ${s.acksDropped}</dd>
            <dt>Elapsed</dt>
            <dd>${s.elapsed.toFixed(1)} ms</dd>
            <dt>Goodput</dt>
            <dd>${(s.goodput / 1024).toFixed(1)} KiB/s</dd>
            <dt>Efficiency (new / sent)</dt>
            <dd>${pct(s.efficiency)}</dd>
            <dt>Utilisation measured</dt>
            <dd>${r.measuredUtilisation.toFixed(3)}</dd>
            <dt>Textbook (p = ${r.p.toFixed(2)}, a = ${r.a})</dt>
            <dd>${r.textbookUtilisation.toFixed(3)}</dd>
          </dl>
        </section>
      </div>
    </div>`;
  }

  #slider(label: string, testid: string, value: number, min: number, max: number, step: number, set: (v: number) => void, disabled = false) {
    return html`<label>
      <span>${label}: <span class="value">${value}</span></span>
      <input
        type="range"
        data-testid=${testid}
        min=${min}
        max=${max}
        step=${step}
        .value=${String(value)}
        ?disabled=${disabled}
        @input=${(e: Event) => set(Number((e.target as HTMLInputElement).value))}
      />
    </label>`;
  }

  #set(change: Partial<ArqParams>): void {
    this.params = { ...this.params, ...change };
    this.#stop();
    this.cursor = Infinity;
  }

  #onSeed = (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) this.#set({ seed: v });
  };

  #scrub(t: number): void {
    this.#stop();
    this.cursor = t;
  }

  #togglePlay = () => {
    if (this.playing) return this.#stop();
    const end = this.#run?.result?.stats.elapsed ?? 0;
    const from = this.cursor >= end ? 0 : this.cursor;
    const started = performance.now();
    this.playing = true;
    const tick = () => {
      const t = from + ((performance.now() - started) / 1000) * PLAY_MS_PER_SECOND;
      this.cursor = Math.min(t, end);
      if (t >= end) return this.#stop();
      this.#raf = requestAnimationFrame(tick);
    };
    this.#raf = requestAnimationFrame(tick);
  };

  #stop(): void {
    cancelAnimationFrame(this.#raf);
    this.playing = false;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-arq': LabArq;
  }
}
