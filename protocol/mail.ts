/**
 * Mail: the UI's requests and events, the outbox states, and the checks every draft passes before
 * it is queued. Pure (no I/O), so the web UI can run the same address checks as the agent.
 *
 * Header injection: every value that becomes a header (addresses, subject, attachment names) is
 * refused with BAD_MAIL if it holds a control character (CR and LF above all), rather than
 * cleaned up, so a person sees why instead of a silently different mail.
 */
import { CamvidError } from './errors.js';
import { array, bool, int, literal, object, optional, str } from './validate.js';

/** queued → sending → sent, or failed (permanent error, or an attempt whose outcome is unknown). */
export const MAIL_STATES = ['queued', 'sending', 'sent', 'failed'] as const;
export type MailState = (typeof MAIL_STATES)[number];

/** STARTTLS (587), implicit TLS (465), or plain for a local relay. */
export const MAIL_SECURITY = ['starttls', 'tls', 'none'] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];
export const DEFAULT_MAIL_PORT: Record<MailSecurity, number> = { starttls: 587, tls: 465, none: 25 };

export const MAX_RECIPIENTS = 100;
export const MAX_SUBJECT_CHARS = 500;
/** A UI message is at most 64 KiB; the body must fit into one with room for the rest. */
export const MAX_BODY_CHARS = 60_000;
export const MAX_ATTACHMENTS = 10;
/** Most providers refuse messages over 25 MB; base64 adds a third, so raw files stop earlier. */
export const MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024;
const MAX_ADDRESS_LIST_CHARS = 8_000;

/**
 * Where an attachment comes from. `local` is a path on the agent's own disk (the UI is the
 * agent's owner). The room's file share will add `{ kind: 'share', … }`: a new variant here and a
 * resolver in node-agent/mail/mail-message.ts, nothing else.
 */
export type AttachmentSource = { kind: 'local'; path: string };

export const attachmentSource = object({
  kind: literal('local'),
  path: str({ min: 1, max: 4096 }),
});

/** A mail as the person wrote it. Addresses: `a@b.c, Name <d@e.f>`. */
export interface MailDraft {
  to: string;
  cc?: string;
  subject: string;
  body: string;
  attachments?: AttachmentSource[];
}

export interface MailAddress {
  name?: string;
  address: string;
}

/** A mail in the outbox as the UI shows it (no body, no password, nothing from the server but its words). */
export interface MailSummary {
  id: string;
  messageId: string;
  to: string[];
  cc: string[];
  subject: string;
  attachments: { name: string; size: number }[];
  state: MailState;
  attempts: number;
  createdAt: number;
  /** when the next attempt is due (queued after a transient failure) */
  nextAttemptAt: number | null;
  sentAt: number | null;
  /** the last failure in the server's words, e.g. `535 5.7.8 Authentication credentials invalid` */
  lastError: string | null;
  /** set when the agent stopped between handing the mail over and the server's answer */
  uncertain: boolean;
}

/** The settings as the UI may see them: the password only as "saved" or not. */
export interface MailSettingsView {
  configured: boolean;
  host: string;
  port: number;
  security: MailSecurity;
  user: string;
  from: string;
  allowSelfSigned: boolean;
  passwordSaved: boolean;
}

const hostName = str({ min: 1, max: 253, pattern: /^[A-Za-z0-9.:[\]_-]+$/ });
const anyText = (max: number) => str({ max });

export const mailSettingsInput = {
  host: hostName,
  port: int(1, 65535),
  security: literal(...MAIL_SECURITY),
  user: anyText(320),
  /** absent or empty: keep the saved password */
  password: optional(anyText(1024)),
  clearPassword: optional(bool),
  from: anyText(MAX_ADDRESS_LIST_CHARS),
  allowSelfSigned: bool,
};

const mailId = str({ min: 1, max: 64, pattern: /^[0-9a-z-]+$/ });

/** UI requests, registered in protocol/ui-features.ts (`id` is the request's own, hence `mailId`). */
export const mailUiRequests = {
  'mail-settings-get': {},
  'mail-settings-save': mailSettingsInput,
  /** sends a short test mail straight away (not through the outbox) to `to`, default the sender */
  'mail-test': { to: optional(anyText(MAX_ADDRESS_LIST_CHARS)) },
  'mail-send': {
    to: anyText(MAX_ADDRESS_LIST_CHARS),
    cc: optional(anyText(MAX_ADDRESS_LIST_CHARS)),
    subject: anyText(MAX_SUBJECT_CHARS),
    body: anyText(MAX_BODY_CHARS),
    attachments: optional(array(attachmentSource, MAX_ATTACHMENTS)),
  },
  'mail-list': {},
  /** a failed mail back into the queue, or a queued one due now */
  'mail-retry': { mailId },
  'mail-delete': { mailId },
};

/** What the agent replies to each request above (merged in protocol/ui-features.ts). */
export interface MailUiReplies {
  'mail-settings-get': MailSettingsView;
  'mail-settings-save': MailSettingsView;
  /** the server's words on accepting the test mail */
  'mail-test': { response: string };
  /** the mail as queued */
  'mail-send': MailSummary;
  'mail-list': MailSummary[];
  'mail-retry': MailSummary;
  'mail-delete': void;
}

/** Events the agent pushes: one mail changed (or appeared), one mail removed, the settings changed. */
export type MailUiEvent =
  | { type: 'mail-update'; mail: MailSummary }
  | { type: 'mail-removed'; id: string }
  | { type: 'mail-settings'; settings: MailSettingsView };

const CONTROL = /[\u0000-\u001f\u007f]/u;
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const IP_LITERAL = /^\[(?:\d{1,3}\.){3}\d{1,3}\]$/;

const bad = (message: string): never => {
  throw new CamvidError('BAD_MAIL', message);
};

/** Refuses text that would break out of its header (CR, LF or another control character). */
export function assertHeaderSafe(what: string, text: string): void {
  if (CONTROL.test(text)) bad(`${what} contains a line break or control character; that is refused (header injection).`);
}

/** True for `local@domain` (a single-label domain such as `localhost` is allowed for local relays). */
export function isAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  if (IP_LITERAL.test(domain)) return true;
  return domain.split('.').every((label) => DOMAIN_LABEL.test(label));
}

/** Splits on commas and semicolons outside double quotes. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ',' || ch === ';')) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) bad(`Unbalanced quote in "${text.slice(0, 80)}".`);
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** `a@b.c`, `<a@b.c>`, `Name <a@b.c>`, `"Last, First" <a@b.c>`; anything else is BAD_MAIL. */
export function parseAddressList(what: string, text: string, opts: { min?: number } = {}): MailAddress[] {
  assertHeaderSafe(what, text);
  const list = splitList(text).map((entry) => {
    const m = /^(.*?)\s*<([^<>]*)>$/.exec(entry);
    const address = (m ? m[2]! : entry).trim();
    let name = m ? m[1]!.trim() : '';
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1).trim();
    if (/[<>"]/.test(name) || !isAddress(address)) bad(`${what}: "${entry.slice(0, 120)}" is not a mail address.`);
    return name ? { name, address } : { address };
  });
  if (list.length < (opts.min ?? 0)) bad(`${what}: enter at least one address.`);
  if (list.length > MAX_RECIPIENTS) bad(`${what}: at most ${MAX_RECIPIENTS} addresses.`);
  return list;
}

export const formatAddress = (a: MailAddress): string =>
  a.name ? `"${a.name.replace(/["\\]/g, '')}" <${a.address}>` : a.address;

/** A draft checked and split into addresses; throws BAD_MAIL naming the field at fault. */
export function checkDraft(draft: MailDraft): { to: MailAddress[]; cc: MailAddress[]; subject: string; body: string } {
  const to = parseAddressList('To', draft.to, { min: 1 });
  const cc = draft.cc ? parseAddressList('Cc', draft.cc) : [];
  if (to.length + cc.length > MAX_RECIPIENTS) bad(`At most ${MAX_RECIPIENTS} recipients in all.`);
  assertHeaderSafe('The subject', draft.subject);
  if (draft.subject.length > MAX_SUBJECT_CHARS) bad(`The subject is longer than ${MAX_SUBJECT_CHARS} characters.`);
  if (draft.body.length > MAX_BODY_CHARS) bad(`The text is longer than ${MAX_BODY_CHARS} characters.`);
  if ((draft.attachments?.length ?? 0) > MAX_ATTACHMENTS) bad(`At most ${MAX_ATTACHMENTS} attachments.`);
  return { to, cc, subject: draft.subject, body: draft.body };
}
