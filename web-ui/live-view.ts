/**
 * `<live-view>`: the Video tab. The instructor gets the controls to go live with a self-view; a
 * student gets the class's video.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AgentClient } from './agent-client.js';
import { AgentController } from './agent-controller.js';
import './live-player.js';
import './live-publisher.js';

@customElement('live-view')
export class LiveView extends LitElement {
  @property({ attribute: false }) accessor client: AgentClient | undefined;

  constructor() {
    super();
    new AgentController(this, () => this.client);
  }

  override render() {
    const client = this.client;
    if (!client?.state?.room) return nothing;
    return client.state.phase === 'hosting'
      ? html`<live-publisher .client=${client}></live-publisher>`
      : html`<live-player .client=${client}></live-player>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'live-view': LiveView;
  }
}
