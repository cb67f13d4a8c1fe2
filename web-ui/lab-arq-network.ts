/**
 * `<lab-arq-network>`: the ARQ lab for real. Pick a classmate; this agent sends the sample
 * send.txt to theirs over the `lab` data channel of a direct connection, with the page's protocol,
 * window, loss and seed, and shows what arrived (SHA-256 of both files). When a classmate sends to
 * us, the agent's `lab-arq-received` event shows here too.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import { ARQ_PROTOCOL_NAMES, type ArqProtocol } from '../protocol/labs/arq.js';
import type { LabArqNetResult, LabArqReceived } from '../protocol/labs/lab-messages.js';
import { AgentElement } from './agent-context.js';
import { ArqInbox } from './arq-inbox.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';

const DEFAULT_NET_TIMEOUT_MS = 50;

/** The lab's settings, shared by the simulation page and this run over the network. */
export interface ArqParams {
  protocol: ArqProtocol;
  window: number;
  timeout: number;
  loss: number;
  ackLoss: number;
  seed: number;
  segments: number;
}

@customElement('lab-arq-network')
export class LabArqNetwork extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        border-top: 1px solid var(--border);
        padding-top: 14px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 10px;
        align-items: flex-end;
      }
      select {
        min-width: 180px;
      }
      input[type='number'] {
        width: 110px;
      }
      .ok {
        color: var(--ok, #188038);
        font-weight: 700;
      }
      .bad {
        color: var(--danger);
        font-weight: 700;
      }
      .result {
        margin-top: 10px;
        font-size: 0.9em;
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      code {
        overflow-wrap: anywhere;
      }
      h3 {
        font-size: 1em;
        margin-bottom: 6px;
      }
    `,
  ];

  @property({ attribute: false }) accessor params: ArqParams | undefined;
  @state() accessor peer = '';
  @state() accessor timeout = DEFAULT_NET_TIMEOUT_MS;
  @state() accessor running = false;
  @state() accessor result: LabArqNetResult | null = null;
  @state() accessor error: string | null = null;
  readonly #inbox: ModelController<ArqInbox>;

  constructor() {
    super();
    // The roster (classmates to pick), and what classmates send us.
    new ModelController(this, () => this.client);
    this.#inbox = new ModelController(this, () => this.client?.model(ArqInbox), (inbox) => inbox.markSeen());
  }

  override render() {
    const me = this.client?.state?.me?.id;
    const others = (this.client?.roster ?? []).filter((m) => m.id !== me && m.state === 'connected');
    const peer = others.find((m) => m.id === this.peer) ?? others[0];
    const p = this.params;
    return html`
      <h3>Run it over the network</h3>
      <p class="hint">
        Sends the sample send.txt to a classmate's agent over the real, unreliable <code>lab</code> data channel of a direct connection,
        with ${p ? ARQ_PROTOCOL_NAMES[p.protocol] : 'the chosen protocol'}, the window, loss and seed above; they get receive.txt in their data folder.
        The sample has its own length: "Frames in the file" above sets only the simulation's, so the two runs' frame counts can differ.
      </p>
      <div class="row">
        <label>
          Classmate
          <select data-testid="arq-net-peer" @change=${(e: Event) => (this.peer = (e.target as HTMLSelectElement).value)}>
            ${others.length ? others.map((m) => html`<option value=${m.id} ?selected=${m.id === peer?.id}>${m.name}</option>`) : html`<option>nobody else here yet</option>`}
          </select>
        </label>
        <label>
          Timeout (real ms)
          <input type="number" min="1" max="60000" .value=${String(this.timeout)} @change=${(e: Event) => (this.timeout = Number((e.target as HTMLInputElement).value) || DEFAULT_NET_TIMEOUT_MS)} />
        </label>
        <button data-testid="arq-net-run" ?disabled=${!peer || !p || this.running} @click=${() => peer && this.#run(peer.id)}>
          ${this.running ? 'Sending…' : `Run over the network${peer ? ` with ${peer.name}` : ''}`}
        </button>
      </div>
      ${this.error ? html`<p class="error" role="alert" data-testid="arq-net-error">${this.error}</p>` : nothing}
      ${this.result ? this.#renderResult(this.result) : nothing}
      ${this.#renderReceived(this.#inbox.model?.received ?? null)}
    `;
  }

  #renderReceived(received: LabArqReceived | null) {
    if (!received) return nothing;
    return html`<p class="result" data-testid="arq-net-received">
      <span>
        ${received.fromName} sent you ${received.size} B → <code>${received.file}</code>
        <span class=${received.identical ? 'ok' : 'bad'}>${received.identical ? 'identical ✓' : 'different ✗'}</span>
        ${this.client ? html`<a data-testid="arq-net-save" href=${this.client.fileUrl(received.ticket)} download>Save to this computer</a>` : nothing}
      </span>
    </p>`;
  }

  #renderResult(r: LabArqNetResult) {
    const s = r.stats;
    return html`<div class="result" data-testid="arq-net-result" data-identical=${r.identical}>
      <span>
        ${r.fileName} (${s.bytesDelivered} B, ${s.segments} frames: the sample's length) → ${r.peerName}:
        <span class=${r.identical ? 'ok' : 'bad'}>${r.identical ? 'identical ✓' : 'different ✗'}</span>
      </span>
      <span>
        ${ARQ_PROTOCOL_NAMES[r.config.protocol]}, window ${r.config.window}, timeout ${r.config.timeout} ms, loss ${r.dataLoss} / ACK ${r.ackLoss}, seed
        ${r.seed}: ${s.dataFramesSent} frames sent, ${s.retransmissions} retransmissions, ${s.dataDropped} data and ${s.acksDropped} ACKs
        dropped, ${s.elapsed.toFixed(0)} ms, goodput ${(s.goodput / 1024).toFixed(1)} KiB/s, efficiency ${(s.efficiency * 100).toFixed(1)} %
      </span>
      <span>SHA-256 sent <code>${r.sentSha256}</code></span>
      <span>SHA-256 received <code>${r.receivedSha256}</code></span>
    </div>`;
  }

  async #run(peer: string): Promise<void> {
    const p = this.params;
    if (!this.client || !p) return;
    this.running = true;
    this.error = null;
    this.result = null;
    try {
      this.result = await this.client.request({
        type: 'lab-arq-run',
        peer,
        protocol: p.protocol,
        window: p.protocol === 'sw' ? 1 : p.window,
        timeout: this.timeout,
        loss: p.loss,
        ackLoss: p.ackLoss,
        seed: p.seed,
      });
    } catch (err) {
      this.error = err instanceof CamvidError ? `${err.message}` : String(err);
    } finally {
      this.running = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-arq-network': LabArqNetwork;
  }
}
