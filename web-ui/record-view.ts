/**
 * `<record-view>`: the class record tab: the lecture's polls and its attendance (docs/record.md).
 */
import { html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import './attendance-view.js';
import './polls-view.js';
import './recording-controls.js';
import { sectionColumnStyles, sharedStyles } from './shared-styles.js';

@customElement('record-view')
export class RecordView extends AgentElement {
  static override styles = [sharedStyles, sectionColumnStyles];

  constructor() {
    super();
    new ModelController(this, () => this.client);
  }

  override render() {
    if (!this.client?.state?.room) return nothing;
    const hosting = this.client.state.phase === 'hosting';
    return html`${hosting
        ? html`<section data-testid="recording">
            <h2>Recording</h2>
            <recording-controls></recording-controls>
          </section>`
        : nothing}
      <section data-testid="polls">
        <h2>Polls</h2>
        <polls-view></polls-view>
      </section>
      <section data-testid="attendance">
      <h2>Attendance</h2>
      <attendance-view></attendance-view>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'record-view': RecordView;
  }
}
