/**
 * Mail for one agent, in a room or not: the SMTP settings (node-agent/mail/mail-settings-file.ts),
 * the persistent outbox, and the UI's mail requests. Owned by the agent (node-agent/features.ts)
 * and closed before its store. Nothing here is ever sent to a peer.
 */
import { CamvidError } from '../../protocol/errors.js';
import {
  type MailDraft,
  type MailSettingsView,
  type MailSummary,
  checkDraft,
  formatAddress,
  parseAddressList,
} from '../../protocol/mail.js';
import type { Feature, FeatureHost } from '../feature-host.js';
import { createLogger } from '../log.js';
import { buildMessage, newMessageId, resolveAttachments } from './mail-message.js';
import { MailOutbox, type RetryPolicy } from './mail-outbox.js';
import { MailSettingsFile, type MailSettingsInput } from './mail-settings-file.js';
import { DEFAULT_SMTP_TIMEOUTS, SmtpFailure, smtpAttempt, type SmtpTimeouts } from './smtp-attempt.js';

const log = createLogger('agent:mail');

/** What the mail service needs of its agent. */
export type MailHost = Pick<FeatureHost, 'store' | 'ui'>;

export interface MailServiceOptions {
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<SmtpTimeouts>;
}

/**
 * `CAMVID_MAIL_RETRY_BASE_MS` / `CAMVID_MAIL_RETRY_MAX_MS` shorten the backoff (tests, or a
 * classroom relay that comes and goes); unset, the outbox's defaults apply.
 */
export function mailOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MailServiceOptions {
  const ms = (name: string) => {
    const n = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const retry: Partial<RetryPolicy> = {};
  const base = ms('CAMVID_MAIL_RETRY_BASE_MS');
  const max = ms('CAMVID_MAIL_RETRY_MAX_MS');
  if (base !== undefined) retry.baseMs = base;
  if (max !== undefined) retry.maxMs = max;
  return { retry };
}

export class MailService implements Feature {
  readonly settings: MailSettingsFile;
  readonly outbox: MailOutbox;
  /** settles once the settings and the outbox are loaded (and crash leftovers settled) */
  readonly ready: Promise<void>;
  readonly #timeouts: Partial<SmtpTimeouts> | undefined;
  #closing: Promise<void> | null = null;

  constructor(
    private readonly agent: MailHost,
    opts: MailServiceOptions = mailOptionsFromEnv(),
  ) {
    this.#timeouts = opts.timeouts;
    const settings = (this.settings = new MailSettingsFile(agent.store.dir));
    const outbox = (this.outbox = new MailOutbox({
      db: agent.store.sublevel('mail'),
      dir: agent.store.dir,
      settings: () => settings.current,
      retry: opts.retry,
      timeouts: opts.timeouts,
    }));
    outbox.on('update', (mail) => agent.ui.push({ type: 'mail-update', mail }));
    outbox.on('removed', (id) => agent.ui.push({ type: 'mail-removed', id }));
    this.ready = (async () => {
      await settings.load();
      await outbox.open();
    })();
    this.ready.catch((err) => log.error('mail outbox could not start:', (err as Error).message));

    const ready = <T>(fn: () => Promise<T> | T) => this.ready.then(fn);
    agent.ui.handle('mail-settings-get', () => ready(() => this.settings.view()));
    agent.ui.handle('mail-settings-save', ({ id: _id, type: _t, ...input }) => this.saveSettings(input));
    agent.ui.handle('mail-test', (req) => this.sendTest(req.to));
    agent.ui.handle('mail-send', ({ id: _id, type: _t, ...draft }) => this.send(draft));
    agent.ui.handle('mail-list', () => ready(() => this.outbox.list()));
    agent.ui.handle('mail-retry', (req) => ready(() => this.outbox.retry(req.mailId)));
    agent.ui.handle('mail-delete', (req) => ready(() => this.outbox.remove(req.mailId)));
  }

  async saveSettings(input: MailSettingsInput): Promise<MailSettingsView> {
    await this.ready;
    await this.settings.save(input);
    const view = this.settings.view();
    this.agent.ui.push({ type: 'mail-settings', settings: view });
    this.outbox.settingsChanged();
    return view;
  }

  /** Checks the draft (BAD_MAIL), freezes it into a message with a stable Message-ID, and queues it. */
  async send(draft: MailDraft): Promise<MailSummary> {
    await this.ready;
    const settings = this.settings.current;
    if (!settings) throw new CamvidError('BAD_MAIL', 'Mail is not set up yet: enter the mail server settings first.');
    const { to, cc, subject, body } = checkDraft(draft);
    const from = parseAddressList('From', settings.from, { min: 1 })[0]!;
    const attachments = await resolveAttachments(draft.attachments ?? []);
    const messageId = newMessageId(settings.from);
    const raw = await buildMessage({ from, to, cc, subject, body, attachments, messageId, date: new Date() });
    return this.outbox.enqueue({
      messageId,
      envelope: { from: from.address, to: [...new Set([...to, ...cc].map((a) => a.address))] },
      to: to.map(formatAddress),
      cc: cc.map(formatAddress),
      subject,
      attachments: attachments.map((a) => ({ name: a.filename, size: a.content.length })),
      raw,
    });
  }

  /** "Send test mail": one message straight to the server (not queued); the server's words on failure. */
  async sendTest(to?: string): Promise<{ response: string }> {
    await this.ready;
    const settings = this.settings.current;
    if (!settings) throw new CamvidError('BAD_MAIL', 'Mail is not set up yet: enter the mail server settings first.');
    const from = parseAddressList('From', settings.from, { min: 1 })[0]!;
    const rcpt = to?.trim() ? parseAddressList('To', to, { min: 1 }) : [from];
    const raw = await buildMessage({
      from,
      to: rcpt,
      cc: [],
      subject: 'CAMVID test mail',
      body: 'This is a test mail from CAMVID: the mail settings work.',
      attachments: [],
      messageId: newMessageId(settings.from),
      date: new Date(),
    });
    try {
      const res = await smtpAttempt(settings, { from: from.address, to: rcpt.map((a) => a.address) }, raw, { beforeCommit: async () => {} }, {
        ...DEFAULT_SMTP_TIMEOUTS,
        ...this.#timeouts,
      });
      return { response: res.response };
    } catch (err) {
      if (err instanceof SmtpFailure) throw new CamvidError(err.transient ? 'UNREACHABLE' : 'MAIL_FAILED', err.message);
      throw err;
    }
  }

  /** Resolves when the mail is sent or failed (for `camvid mail`), or with its state at `timeoutMs`. */
  waitForOutcome(id: string, timeoutMs: number): Promise<MailSummary> {
    return new Promise((resolve) => {
      const settle = (mail: MailSummary | undefined) => {
        if (!mail) return;
        clearTimeout(timer);
        off();
        resolve(mail);
      };
      const off = this.outbox.on('update', (mail) => {
        if (mail.id === id && (mail.state === 'sent' || mail.state === 'failed')) settle(mail);
      });
      const timer = setTimeout(() => settle(this.outbox.get(id)), timeoutMs);
      const now = this.outbox.get(id);
      if (now?.state === 'sent' || now?.state === 'failed') settle(now);
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.ready.catch(() => {});
      await this.outbox.close();
    })();
    return this.#closing;
  }
}
