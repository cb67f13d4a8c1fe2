/**
 * The page: a top bar with the agent connection, then the login page or the room page. It provides
 * the page's AgentClient (agentContext) to every component below it.
 */
import { provide } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Phase } from '../protocol/ui.js';
import type { AgentClient } from './agent-client.js';
import { agentContext } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { sharedStyles } from './shared-styles.js';
import './login-page.js';
import './room-page.js';
import './mail-view.js';
import './swarm-status.js';

/** Phases in which the person is in a room (or getting back into it). */
const ROOM_PHASES: ReadonlySet<Phase> = new Set(['hosting', 'joined', 'reconnecting']);
/** After this many failed attempts (~10 s) the agent is probably not coming back on this link (a new data folder or --new-token). */
const RESTART_HINT_AFTER = 12;

@customElement('camvid-app')
export class CamvidApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      details.mail-outside {
        margin-top: 16px;
        background: var(--surface, #fff);
        border: 1px solid var(--border);
        border-radius: 12px;
        padding: 12px 16px;
      }
      details.mail-outside summary {
        cursor: pointer;
        font-weight: 600;
      }
      :host {
        display: block;
        min-height: 100vh;
      }
      .bar {
        display: flex;
        align-items: center;
        gap: 16px;
        padding: 10px 24px;
        background: var(--surface);
        border-bottom: 1px solid var(--border);
      }
      .brand {
        font-weight: 800;
        letter-spacing: 0.08em;
        color: var(--accent);
      }
      .status {
        margin-left: auto;
        display: flex;
        align-items: center;
        gap: 8px;
        font-size: 0.9em;
        color: var(--muted);
      }
      .status::before {
        content: '';
        width: 9px;
        height: 9px;
        border-radius: 50%;
        background: var(--warn);
      }
      .status[data-connection='open']::before {
        background: var(--ok);
      }
      .status[data-connection='retrying'] {
        color: var(--danger);
        font-weight: 600;
      }
      .status[data-connection='retrying']::before {
        background: var(--danger);
      }
      main {
        max-width: 1100px;
        margin: 0 auto;
        padding: 24px;
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      @media (max-width: 480px) {
        .bar {
          padding: 10px 12px;
        }
        main {
          padding: 12px;
        }
      }
      .waiting {
        color: var(--muted);
        text-align: center;
        padding: 48px 0;
      }
    `,
  ];

  /** the page's one client (main.ts), provided to every component below through agentContext */
  @provide({ context: agentContext })
  @property({ attribute: false })
  accessor client: AgentClient | undefined;
  /** the mail panel outside a room is rendered (and asks the agent anything) only once opened */
  @state() accessor mailOpen = false;

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const client = this.client;
    return html`
      <header class="bar">
        <span class="brand">CAMVID</span>
        <span class="status" data-testid="agent-status" data-connection=${client?.connection ?? 'connecting'}>
          ${this.#statusText()}
        </span>
      </header>
      <main>
        ${client?.connection === 'retrying' && client.failures >= RESTART_HINT_AFTER
          ? html`<p class="banner" data-testid="agent-restart-hint">
              Your CAMVID agent is not answering. Start it again (same data folder: this page comes back by itself); if it
              printed a new link (another data folder, or --new-token), open that one.
            </p>`
          : nothing}
        ${client?.versionMismatch
          ? html`<p class="banner">The agent was updated: reload this page.</p>`
          : nothing}
        ${client?.state?.swarm ? html`<swarm-status .status=${client.state.swarm}></swarm-status>` : nothing}
        ${this.#renderPage()}
      </main>
    `;
  }

  #statusText(): string {
    switch (this.client?.connection) {
      case 'open':
        return 'Connected to agent';
      case 'retrying':
        return 'Agent disconnected — retrying';
      default:
        return 'Connecting to agent…';
    }
  }

  #renderPage() {
    const client = this.client;
    const state = client?.state;
    if (!client || !state) return html`<p class="waiting">Connecting to your CAMVID agent…</p>`;
    return ROOM_PHASES.has(state.phase)
      ? html`<room-page></room-page>`
      : html`<login-page></login-page>
          <details class="mail-outside" data-testid="mail-outside-room" @toggle=${(e: Event) => (this.mailOpen = (e.target as HTMLDetailsElement).open)}>
            <summary>Mail (works without a room: mail written offline leaves when the server is reachable)</summary>
            ${this.mailOpen ? html`<mail-view></mail-view>` : nothing}
          </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'camvid-app': CamvidApp;
  }
}
