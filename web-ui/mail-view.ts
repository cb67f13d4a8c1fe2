/**
 * `<mail-view>`: the Mail tab. Mail belongs to the agent, not to a room: the outbox and the
 * settings are the same whichever room (if any) this agent is in. It loads both when the agent
 * connection opens and then follows the agent's `mail-update` / `mail-removed` / `mail-settings`
 * events, so each mail's state changes live.
 */
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { MailSettingsView, MailSummary } from '../protocol/mail.js';
import type { AgentClient } from './agent-client.js';
import { AgentElement } from './agent-context.js';
import { ModelController } from './model-controller.js';
import { sectionColumnStyles, sharedStyles } from './shared-styles.js';
import './mail-compose.js';
import './mail-outbox-list.js';
import './mail-settings-form.js';

@customElement('mail-view')
export class MailView extends AgentElement {
  static override styles = [
    sharedStyles,
    sectionColumnStyles,
    css`
      details > summary {
        cursor: pointer;
        font-weight: 700;
        margin-bottom: 10px;
      }
    `,
  ];

  @state() accessor settings: MailSettingsView | null = null;
  @state() accessor mails: MailSummary[] = [];
  @state() accessor loadError = '';
  /** open the settings when the first load finds none; later the person opens and closes them */
  @state() accessor settingsOpen = false;
  #wasOpen = false;
  /** updates that arrived while a load was in flight, re-applied over its (possibly older) list */
  #duringLoad: MailSummary[] | null = null;
  /** the agent's mail events, and a load when it starts showing a client */
  readonly #agent = new ModelController(this, () => this.client, (client) => {
    const offs = [
      client.onEvent('mail-update', (ev) => this.#upsert(ev.mail)),
      client.onEvent('mail-removed', (ev) => (this.mails = this.mails.filter((m) => m.id !== ev.id))),
      client.onEvent('mail-settings', (ev) => (this.settings = ev.settings)),
    ];
    this.#wasOpen = client.connection === 'open';
    if (this.#wasOpen) void this.#load(client);
    return () => offs.forEach((off) => off());
  });

  override willUpdate(): void {
    // Reload after every reconnection: events pushed while disconnected are not replayed.
    const client = this.#agent.model;
    if (!client) return;
    const open = client.connection === 'open';
    if (open && !this.#wasOpen) void this.#load(client);
    this.#wasOpen = open;
  }

  override render() {
    const configured = this.settings?.configured ?? false;
    return html`
      ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : ''}
      <section>
        <h2>Write a mail</h2>
        <mail-compose ?ready=${configured}></mail-compose>
      </section>
      <section>
        <h2>Outbox</h2>
        <mail-outbox-list .mails=${this.mails}></mail-outbox-list>
      </section>
      <details ?open=${this.settingsOpen} data-testid="mail-settings">
        <summary>Mail settings${configured ? ` — ${this.settings!.host}` : ' (not set up yet)'}</summary>
        <mail-settings-form .settings=${this.settings}></mail-settings-form>
      </details>
    `;
  }

  async #load(client: AgentClient): Promise<void> {
    this.#duringLoad = [];
    try {
      const [settings, mails] = await Promise.all([
        client.request({ type: 'mail-settings-get' }),
        client.request({ type: 'mail-list' }),
      ]);
      if (!this.settings && !settings.configured) this.settingsOpen = true;
      this.settings = settings;
      this.mails = mails;
      const late = this.#duringLoad ?? [];
      this.#duringLoad = null;
      for (const m of late) this.#upsert(m);
      this.loadError = '';
    } catch (err) {
      this.loadError = `Could not load mail: ${(err as Error).message}`;
    } finally {
      this.#duringLoad = null;
    }
  }

  #upsert(mail: MailSummary): void {
    this.#duringLoad?.push(mail);
    const i = this.mails.findIndex((m) => m.id === mail.id);
    this.mails = i < 0 ? [...this.mails, mail] : this.mails.map((m, j) => (j === i ? mail : m));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mail-view': MailView;
  }
}
