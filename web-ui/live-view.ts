/**
 * `<live-view>`: the Video tab. The instructor gets the controls to go live with a self-view; a
 * student gets the class's video.
 */
import { html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import './live-player.js';
import './live-publisher.js';

@customElement('live-view')
export class LiveView extends AgentElement {

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const client = this.client;
    if (!client?.state?.room) return nothing;
    return client.state.phase === 'hosting'
      ? html`<live-publisher></live-publisher>`
      : html`<live-player></live-player>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'live-view': LiveView;
  }
}
