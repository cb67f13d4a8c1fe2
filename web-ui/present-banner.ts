/**
 * `<present-banner>`: on a student's room page, whatever tab is open: the instructor's invitation
 * to present ("Share my screen" / "Decline"), then "You are presenting" with "Stop presenting",
 * and why it ended (taken back, replaced, failed). The share itself is the PresentShare's.
 */
import { html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { endedText, PresentModel } from './present-model.js';
import { PresentShare } from './screen-share.js';
import { sharedStyles } from './shared-styles.js';

@customElement('present-banner')
export class PresentBanner extends AgentElement {
  static override styles = [sharedStyles];

  readonly #present = new ModelController(this, () => this.client?.model(PresentModel));
  readonly #share = new ModelController(this, () => this.client?.model(PresentShare));

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    const [present, share, me] = [this.#present.model, this.#share.model, this.client?.state?.me];
    if (!present || !share || !me) return nothing;
    const mine = present.presenter()?.id === me.id ? present.presenter() : undefined;
    if (!mine) {
      const ended = present.ended;
      return ended
        ? html`<p class="banner" role="status" data-testid="present-ended" data-reason=${ended.reason}>
            ${endedText(ended.reason, null)}
            <button class="secondary" @click=${() => present.dismiss()}>Dismiss</button>
          </p>`
        : share.error
          ? html`<p class="error" role="alert" data-testid="present-error">${share.error}</p>`
          : nothing;
    }
    const sharing = share.phase !== 'idle';
    return html`<p class="banner" role="status" data-testid="present-banner" data-state=${mine.presenting}>
      ${mine.presenting === 'live'
        ? 'You are presenting: the class sees your screen.'
        : sharing
          ? 'Sending your screen to the instructor…'
          : 'The instructor invites you to present your screen to the class.'}
      ${sharing
        ? html`<button class="danger" data-testid="present-stop" @click=${() => share.stop()}>Stop presenting</button>`
        : html`<button data-testid="present-share" @click=${() => share.start()}>Share my screen</button>
            <button class="secondary" data-testid="present-decline" @click=${() => this.#decline()}>Decline</button>`}
      ${share.error ? html`<span class="error" role="alert" data-testid="present-error">${share.error}</span>` : nothing}
    </p>`;
  }

  #decline(): void {
    this.client?.request({ type: 'present-end' }).catch(() => {});
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'present-banner': PresentBanner;
  }
}
