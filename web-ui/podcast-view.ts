/**
 * `<podcast-view>`: the Podcast tab. The instructor gets the studio (start, stop, level, who is
 * listening) above the player (the instructor can listen too); a student gets the player. The
 * sound and the state live in PodcastAudio, so the podcast keeps playing on other tabs.
 */
import { html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { PodcastAudio } from './podcast-audio.js';
import { PodcastMicrophone } from './podcast-microphone.js';
import './podcast-controls.js';
import './podcast-studio.js';
import { sectionColumnStyles, sharedStyles } from './shared-styles.js';

@customElement('podcast-view')
export class PodcastView extends AgentElement {
  static override styles = [sharedStyles, sectionColumnStyles];


  constructor() {
    super();
    new ModelController(this, () => this.client);
    new ModelController(this, () => this.client?.model(PodcastAudio));
  }

  override render() {
    const client = this.client;
    if (!client?.state?.room) return nothing;
    const m = client.model(PodcastAudio);
    const hosting = client.state.phase === 'hosting';
    return html`
      ${hosting ? html`<section><h2>Broadcast</h2><podcast-studio .model=${m} .mic=${client.model(PodcastMicrophone)}></podcast-studio></section>` : nothing}
      <section data-testid="podcast-player" data-phase=${m.phase}>
        <h2>${hosting ? 'Listen' : m.status.on ? `Podcast: ${m.status.title}` : 'Podcast'}</h2>
        <podcast-controls .model=${m}></podcast-controls>
      </section>
      ${m.error ? html`<p class="error" role="alert" data-testid="podcast-error">${m.error}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'podcast-view': PodcastView;
  }
}
