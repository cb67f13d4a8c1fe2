/**
 * The SMTP settings of one agent, password included, in `<data>/mail-settings.json` with mode
 * 0600. This file is the only place the password lives: not LevelDB, not the UI (which only
 * learns "saved"), not the log, never any peer message.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { type MailSecurity, type MailSettingsView, parseAddressList } from '../../protocol/mail.js';
import { writePrivate } from '../store/durable-file.js';

export const MAIL_SETTINGS_FILE = 'mail-settings.json';

export interface MailSettings {
  host: string;
  port: number;
  security: MailSecurity;
  user: string;
  password: string;
  /** `Name <address>` or a bare address; the envelope sender too */
  from: string;
  /** accept a self-signed certificate (a local relay); off by default */
  allowSelfSigned: boolean;
}

export interface MailSettingsInput extends Omit<MailSettings, 'password'> {
  /** absent or empty: keep the saved one */
  password?: string;
  clearPassword?: boolean;
}

export class MailSettingsFile {
  readonly file: string;
  #current: MailSettings | null = null;

  constructor(dir: string) {
    this.file = path.join(dir, MAIL_SETTINGS_FILE);
  }

  get current(): MailSettings | null {
    return this.#current;
  }

  async load(): Promise<MailSettings | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.#current = null);
      throw err;
    }
    try {
      const v = JSON.parse(text) as MailSettings;
      if (typeof v.host !== 'string' || typeof v.port !== 'number' || typeof v.from !== 'string') throw new Error('fields missing');
      this.#current = { ...v, password: v.password ?? '', user: v.user ?? '', allowSelfSigned: v.allowSelfSigned === true };
    } catch {
      // A damaged file is treated as "not set up" rather than stopping the agent.
      this.#current = null;
    }
    return this.#current;
  }

  /** Checks and saves; the password is kept when the input leaves it empty. */
  async save(input: MailSettingsInput): Promise<MailSettings> {
    parseAddressList('From', input.from, { min: 1 });
    if (/[\r\n]/.test(input.user)) throw new CamvidError('BAD_MAIL', 'The user name contains a line break.');
    const password = input.clearPassword ? '' : input.password || this.#current?.password || '';
    const next: MailSettings = {
      host: input.host,
      port: input.port,
      security: input.security,
      user: input.user,
      password,
      from: input.from.trim(),
      allowSelfSigned: input.allowSelfSigned,
    };
    await writePrivate(this.file, JSON.stringify(next, null, 2));
    this.#current = next;
    return next;
  }

  view(): MailSettingsView {
    const s = this.#current;
    return {
      configured: s !== null,
      host: s?.host ?? '',
      port: s?.port ?? 587,
      security: s?.security ?? 'starttls',
      user: s?.user ?? '',
      from: s?.from ?? '',
      allowSelfSigned: s?.allowSelfSigned ?? false,
      passwordSaved: Boolean(s?.password),
    };
  }
}

