/**
 * `<mail-outbox-list>`: every mail in the agent's outbox with its live state (queued, sending,
 * sent, failed), the server's words when it failed or is waiting to retry, and Retry / Remove.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import type { MailState, MailSummary } from '../protocol/mail.js';
import { AgentElement } from './agent-context.js';
import { sharedStyles } from './shared-styles.js';

const STATE_LABEL: Record<MailState, string> = { queued: 'Queued', sending: 'Sending…', sent: 'Sent', failed: 'Failed' };
const time = (ts: number) => new Date(ts).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
const size = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(0)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`);

@customElement('mail-outbox-list')
export class MailOutboxList extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      li {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 4px 12px;
        padding: 10px 12px;
        border: 1px solid var(--border);
        border-radius: 8px;
      }
      .subject {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .meta {
        font-size: 0.85em;
        color: var(--muted);
        overflow-wrap: anywhere;
      }
      .state {
        justify-self: end;
        align-self: start;
        font-size: 0.8em;
        font-weight: 700;
        padding: 2px 10px;
        border-radius: 999px;
        background: var(--warn-soft);
        color: var(--warn);
      }
      .state[data-state='sent'] {
        background: var(--accent-soft);
        color: var(--ok);
      }
      .state[data-state='failed'] {
        background: var(--danger-soft);
        color: var(--danger);
      }
      .why {
        grid-column: 1 / -1;
        margin: 0;
        font-size: 0.9em;
        color: var(--danger);
        overflow-wrap: anywhere;
      }
      .why.waiting {
        color: var(--warn);
      }
      .actions {
        grid-column: 1 / -1;
        display: flex;
        gap: 8px;
      }
      .actions button {
        padding: 4px 12px;
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) accessor mails: MailSummary[] = [];
  @state() accessor error = '';

  override render() {
    if (!this.mails.length) return html`<p class="hint" data-testid="mail-outbox-empty">No mail yet.</p>`;
    return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <ol data-testid="mail-outbox">
        ${[...this.mails].reverse().map((m) => this.#renderMail(m))}
      </ol>`;
  }

  #renderMail(m: MailSummary) {
    const waiting = m.state === 'queued' && m.lastError;
    return html`<li data-testid="mail-item" data-mail-id=${m.id} data-state=${m.state}>
      <span class="subject">${m.subject || '(no subject)'}</span>
      <span class="state" data-testid="mail-state" data-state=${m.state}>${STATE_LABEL[m.state]}</span>
      <span class="meta">
        To ${[...m.to, ...m.cc].join(', ')} · ${time(m.createdAt)}${m.attachments.length
          ? html` · ${m.attachments.map((a) => `${a.name} (${size(a.size)})`).join(', ')}`
          : nothing}${m.sentAt ? html` · sent ${time(m.sentAt)}` : nothing}${m.attempts > 1 ? html` · ${m.attempts} attempts` : nothing}
      </span>
      ${m.lastError
        ? html`<p class="why ${waiting ? 'waiting' : ''}" data-testid="mail-item-error">
            ${waiting ? `Will retry${m.nextAttemptAt ? ` at ${new Date(m.nextAttemptAt).toLocaleTimeString()}` : ''}: ` : ''}${m.lastError}
          </p>`
        : nothing}
      ${m.state === 'failed' || m.state === 'queued'
        ? html`<div class="actions">
            <button class="secondary" data-testid="mail-retry" @click=${() => this.#act('mail-retry', m.id)}>
              ${m.state === 'failed' ? 'Retry' : 'Try now'}
            </button>
            <button class="danger" data-testid="mail-delete" @click=${() => this.#act('mail-delete', m.id)}>Remove</button>
          </div>`
        : nothing}
    </li>`;
  }

  async #act(type: 'mail-retry' | 'mail-delete', mailId: string): Promise<void> {
    this.error = '';
    try {
      await this.client?.request({ type, mailId });
    } catch (err) {
      this.error = err instanceof CamvidError ? err.message : String(err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mail-outbox-list': MailOutboxList;
  }
}
