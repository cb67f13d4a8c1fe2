/**
 * `<mail-settings-form>`: the agent's SMTP settings. The password field always starts empty: the
 * agent never sends the password back, only whether one is saved ("saved"), and an empty field
 * on save keeps it. "Send test mail" sends one message straight away and shows the server's answer.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CamvidError } from '../protocol/errors.js';
import { DEFAULT_MAIL_PORT, MAIL_SECURITY, type MailSecurity, type MailSettingsView } from '../protocol/mail.js';
import { AgentElement } from './agent-context.js';
import { sharedStyles } from './shared-styles.js';

const SECURITY_LABEL: Record<MailSecurity, string> = {
  starttls: 'STARTTLS (port 587)',
  tls: 'TLS from the start (port 465)',
  none: 'None (a local relay only)',
};

@customElement('mail-settings-form')
export class MailSettingsForm extends AgentElement {
  static override styles = [
    sharedStyles,
    css`
      form {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
        gap: 12px 16px;
      }
      .wide {
        grid-column: 1 / -1;
      }
      select {
        padding: 8px 10px;
      }
      label.check {
        flex-direction: row;
        align-items: center;
        gap: 8px;
        font-weight: 400;
      }
      .saved {
        color: var(--ok);
        font-weight: 700;
      }
      .actions {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
      }
      .ok {
        margin: 0;
        color: var(--ok);
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) accessor settings: MailSettingsView | null = null;
  @state() accessor busy = false;
  @state() accessor error: { code: string; message: string } | null = null;
  @state() accessor notice = '';

  override render() {
    const s = this.settings;
    if (!s) return html`<p class="hint">Loading mail settings…</p>`;
    return html`<form @submit=${this.#save} data-testid="mail-settings-form">
      <label>
        Mail server
        <input name="host" data-testid="mail-settings-host" required placeholder="smtp.gmail.com" .value=${s.host} />
      </label>
      <label>
        Security
        <select name="security" data-testid="mail-settings-security" @change=${this.#securityChanged}>
          ${MAIL_SECURITY.map((v) => html`<option value=${v} ?selected=${v === s.security}>${SECURITY_LABEL[v]}</option>`)}
        </select>
      </label>
      <label>
        Port
        <input name="port" data-testid="mail-settings-port" type="number" min="1" max="65535" required .value=${String(s.port)} />
      </label>
      <label>
        User name
        <input name="user" data-testid="mail-settings-user" autocomplete="off" .value=${s.user} />
      </label>
      <label>
        <span>Password ${s.passwordSaved ? html`<span class="saved" data-testid="mail-password-saved">saved</span>` : nothing}</span>
        <input
          name="password"
          type="password"
          data-testid="mail-settings-password"
          autocomplete="new-password"
          placeholder=${s.passwordSaved ? 'leave empty to keep the saved one' : 'an app password for Gmail and the like'}
        />
      </label>
      <label>
        From
        <input name="from" data-testid="mail-settings-from" required placeholder="Ada Lovelace <ada@school.example>" .value=${s.from} />
      </label>
      <label class="check wide">
        <input name="allowSelfSigned" type="checkbox" data-testid="mail-settings-self-signed" .checked=${s.allowSelfSigned} />
        Accept a self-signed certificate (only for a local relay you trust)
      </label>
      <p class="hint wide">The password stays in this computer's CAMVID folder; it is never shown again or sent to anyone in the room.</p>
      ${this.error
        ? html`<p class="error wide" role="alert" data-testid="mail-settings-error" data-code=${this.error.code}>${this.error.message}</p>`
        : nothing}
      ${this.notice ? html`<p class="ok wide" data-testid="mail-settings-notice">${this.notice}</p>` : nothing}
      <div class="actions wide">
        <button type="submit" data-testid="mail-settings-save" ?disabled=${this.busy}>Save</button>
        <button type="button" class="secondary" data-testid="mail-test-button" ?disabled=${this.busy || !s.configured} @click=${this.#test}>
          Send test mail
        </button>
      </div>
    </form>`;
  }

  #securityChanged = (ev: Event) => {
    const security = (ev.target as HTMLSelectElement).value as MailSecurity;
    const port = this.renderRoot.querySelector<HTMLInputElement>('input[name=port]');
    if (port && (Object.values(DEFAULT_MAIL_PORT) as number[]).includes(Number(port.value))) port.value = String(DEFAULT_MAIL_PORT[security]);
  };

  #save = async (ev: Event) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const f = new FormData(form);
    const password = String(f.get('password') ?? '');
    await this.#run(async () => {
      await this.client!.request({
        type: 'mail-settings-save',
        host: String(f.get('host') ?? '').trim(),
        port: Number(f.get('port')),
        security: String(f.get('security')) as MailSecurity,
        user: String(f.get('user') ?? '').trim(),
        ...(password ? { password } : {}),
        from: String(f.get('from') ?? '').trim(),
        allowSelfSigned: f.get('allowSelfSigned') === 'on',
      });
      form.querySelector<HTMLInputElement>('input[name=password]')!.value = '';
      this.notice = 'Settings saved.';
    });
  };

  #test = () =>
    this.#run(async () => {
      const { response } = await this.client!.request({ type: 'mail-test' });
      this.notice = `Test mail accepted by the server: ${response}`;
    });

  async #run(fn: () => Promise<void>): Promise<void> {
    if (!this.client || this.busy) return;
    this.busy = true;
    this.error = null;
    this.notice = '';
    try {
      await fn();
    } catch (err) {
      const e = err instanceof CamvidError ? err : new CamvidError('BAD_MESSAGE', String(err));
      this.error = { code: e.code, message: e.message };
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mail-settings-form': MailSettingsForm;
  }
}
