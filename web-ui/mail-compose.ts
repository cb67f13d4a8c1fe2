/**
 * `<mail-compose>`: to, cc, subject, text and attachments, handed to the agent's outbox. The
 * addresses and subject are checked here with the agent's own rules (protocol/mail.ts) so a
 * mistake shows at once; the agent checks again. Attachments are paths on this computer's disk;
 * files from the room's share will come as a second kind of `AttachmentSource` (a picker that
 * adds `{ kind: 'share', … }` to the same list).
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import { type AttachmentSource, MAX_ATTACHMENTS, MAX_BODY_CHARS, MAX_SUBJECT_CHARS, checkDraft } from '../protocol/mail.js';
import { AgentElement } from './agent-context.js';
import { sharedStyles } from './shared-styles.js';
import './path-picker.js';

@customElement('mail-compose')
export class MailCompose extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .row {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 200px), 1fr));
        gap: 12px;
      }
      textarea {
        font: inherit;
        min-height: 140px;
        padding: 8px 10px;
        border: 1px solid var(--border);
        border-radius: 6px;
        resize: vertical;
      }
      .attach {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .attach input {
        flex: 1 1 12em;
        min-width: 0;
      }
      ul {
        margin: 0;
        padding: 0;
        list-style: none;
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      li {
        display: flex;
        align-items: center;
        gap: 6px;
        padding: 2px 4px 2px 10px;
        border: 1px solid var(--border);
        border-radius: 999px;
        font-size: 0.9em;
      }
      li button {
        padding: 0 8px;
        border: none;
        background: none;
        color: var(--muted);
      }
      .actions {
        display: flex;
        gap: 12px;
        align-items: center;
      }
    `,
  ];

  /** false until the agent has mail settings */
  @property({ type: Boolean }) accessor ready = false;
  @state() accessor attachments: AttachmentSource[] = [];
  @state() accessor sending = false;
  @state() accessor error: { code: string; message: string } | null = null;

  override render() {
    return html`<form @submit=${this.#send} data-testid="mail-compose">
      <div class="row">
        <label>To <input name="to" data-testid="mail-to" required placeholder="grace@school.example, Alan <alan@school.example>" /></label>
        <label>Cc <input name="cc" data-testid="mail-cc" /></label>
      </div>
      <label>Subject <input name="subject" data-testid="mail-subject" maxlength=${MAX_SUBJECT_CHARS} /></label>
      <label>Text <textarea name="body" data-testid="mail-body" maxlength=${MAX_BODY_CHARS}></textarea></label>
      <label>
        Attach a file from this computer
        <span class="attach">
          <input name="attachPath" data-testid="mail-attach-path" placeholder="/home/ada/lab-report.pdf" @keydown=${this.#attachKey} />
          <button type="button" class="secondary" data-testid="mail-attach-add" @click=${() => this.#addAttachment()}>Add</button>
          <path-picker mode="file" @pick=${(e: CustomEvent<string>) => this.#addAttachment(e.detail)}></path-picker>
        </span>
      </label>
      ${this.attachments.length
        ? html`<ul data-testid="mail-attachments">
            ${this.attachments.map(
              (a, i) => html`<li data-testid="mail-attachment">
                ${a.path.split(/[\\/]/).pop()}
                <button type="button" title="Remove" aria-label="Remove ${a.path}" @click=${() => this.#removeAttachment(i)}>×</button>
              </li>`,
            )}
          </ul>`
        : nothing}
      ${this.error
        ? html`<p class="error" role="alert" data-testid="mail-compose-error" data-code=${this.error.code}>${this.error.message}</p>`
        : nothing}
      <div class="actions">
        <button type="submit" data-testid="mail-send-button" ?disabled=${this.sending || !this.ready}>${this.sending ? 'Queuing…' : 'Send'}</button>
        <span class="hint">${this.ready ? 'Mail waits in the outbox until the mail server can be reached.' : 'Save the mail settings first.'}</span>
      </div>
    </form>`;
  }

  #attachKey = (ev: KeyboardEvent) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    this.#addAttachment();
  };

  /** Adds the typed path, or `picked` (the Browse… dialog's file). */
  #addAttachment = (picked?: string) => {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=attachPath]')!;
    const path = (picked ?? input.value).trim();
    if (!path) return;
    if (this.attachments.length >= MAX_ATTACHMENTS) {
      this.error = { code: 'BAD_MAIL', message: `At most ${MAX_ATTACHMENTS} attachments.` };
      return;
    }
    this.attachments = [...this.attachments, { kind: 'local', path }];
    if (!picked) input.value = '';
  };

  #removeAttachment(i: number): void {
    this.attachments = this.attachments.filter((_, j) => j !== i);
  }

  #send = async (ev: Event) => {
    ev.preventDefault();
    if (!this.client || this.sending) return;
    const form = ev.target as HTMLFormElement;
    const f = new FormData(form);
    const cc = String(f.get('cc') ?? '').trim();
    const draft = {
      to: String(f.get('to') ?? ''),
      ...(cc ? { cc } : {}),
      subject: String(f.get('subject') ?? ''),
      body: String(f.get('body') ?? ''),
      ...(this.attachments.length ? { attachments: this.attachments } : {}),
    };
    this.error = null;
    this.sending = true;
    try {
      checkDraft(draft);
      await this.client.request({ type: 'mail-send', ...draft });
      form.reset();
      this.attachments = [];
    } catch (err) {
      const e = err instanceof CamvidError ? err : new CamvidError('BAD_MAIL', String(err));
      this.error = { code: e.code, message: e.message };
    } finally {
      this.sending = false;
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'mail-compose': MailCompose;
  }
}
