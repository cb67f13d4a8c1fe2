/**
 * One SMTP delivery attempt with nodemailer's SMTPConnection: connect (TLS or STARTTLS), log in,
 * send one message, quit. Used directly rather than through a transport because the outbox must
 * know the moment before the message's final "." goes out: until then the server cannot have
 * accepted the mail (RFC 5321 §4.1.1.4), so a crash before it is safe to retry; after it, only
 * the server's reply tells.
 */
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer';
import type { MailSettings } from './mail-settings-file.js';

export interface SmtpTimeouts {
  /** TCP connect; nodemailer's default is 2 minutes */
  connectionTimeout: number;
  /** the server's greeting; default 30 s */
  greetingTimeout: number;
  /** any silence once connected (also the wait for the reply to the final "."); default 10 min */
  socketTimeout: number;
}

/** A few seconds: a dead server shows as a transient failure quickly and the outbox retries. */
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 15_000 };

export interface SmtpEnvelope {
  from: string;
  to: string[];
}

export interface SmtpAttemptResult {
  response: string;
  accepted: string[];
  rejected: string[];
}

/** An attempt that failed, classified for the outbox. */
export class SmtpFailure extends Error {
  constructor(
    message: string,
    /** retrying later may succeed (connection refused, timeout, 4xx) */
    readonly transient: boolean,
    /** the final "." had gone out and no reply came: the server may have the mail */
    readonly afterData: boolean,
  ) {
    super(message);
    this.name = 'SmtpFailure';
  }
}

/** Errors that come from the network or a busy server, not from what was sent. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

const STAYS = 'The mail stays in the outbox and leaves by itself once the server is reachable.';

/**
 * A network failure in words a teacher on a classroom LAN can act on (such a LAN often has no
 * internet and no name server); null for anything else. The technical text follows in brackets.
 */
function explainNetwork(err: NodemailerError): string | null {
  const codes = [err.code, err.originalCode];
  const name = /(?:ENOTFOUND|EAI_AGAIN)\s+(\S+)/.exec(err.message)?.[1];
  if (name || codes.includes('EDNS')) {
    return `The mail server${name ? ` ${name}` : ''} could not be found by name: this network has no internet or no name server, as a classroom LAN often has not. ${STAYS}`;
  }
  if (codes.includes('ECONNREFUSED') || /\bECONNREFUSED\b/.test(err.message)) return `Nothing accepts mail at the server's address and port: check them in the mail settings. ${STAYS}`;
  if (codes.includes('ETIMEDOUT')) return `The mail server did not answer: this network may not reach it (no internet?). ${STAYS}`;
  return null;
}

/**
 * Transient: no SMTP reply and a network-ish code, or a 4xx reply (421, 450, 451, 452, 454 …) or
 * 503. Permanent: any other reply (5xx, bad login 535), a certificate or TLS problem, missing
 * credentials, an invalid envelope. The message keeps the server's words and never the password.
 */
export function classify(err: NodemailerError, secrets: string[], afterData: boolean): SmtpFailure {
  const code = err.code ?? '';
  let transient: boolean;
  if (typeof err.responseCode === 'number') transient = err.permanent === false || (err.responseCode >= 400 && err.responseCode < 500);
  else transient = TRANSIENT_CODES.has(code) || TRANSIENT_CODES.has(err.originalCode ?? '');
  const serverWords = err.response?.trim();
  let text = serverWords ? serverWords : err.message;
  if (code === 'EAUTH' && serverWords) text = `Login refused: ${serverWords}`;
  if (code === 'ETLS' || /certificate|self[- ]signed/i.test(err.message)) {
    text = `TLS failed: ${err.message}${/self[- ]signed/i.test(err.message) ? ' (for a local relay with its own certificate, allow self-signed certificates in the settings)' : ''}`;
    transient = false;
  }
  if (!serverWords && code && !text.includes(code)) text = `${text} (${code})`;
  const plain = serverWords ? null : explainNetwork(err);
  if (plain) text = `${plain} [${text}]`;
  return new SmtpFailure(redact(text, secrets), transient, afterData && typeof err.responseCode !== 'number');
}

/** Removes any secret (and its base64, as AUTH PLAIN/LOGIN send it) from text shown or stored. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of [s, Buffer.from(s).toString('base64')]) out = out.split(form).join('***');
  }
  return out;
}

export interface AttemptHooks {
  /** Called once all message bytes are handed over and before the final "." is written. */
  beforeCommit(): Promise<void>;
}

/**
 * Streams `raw` in chunks; once the consumer asks for more after the last byte (the DATA phase
 * is under way, after the server's 354), runs `beforeCommit` and only then ends, which is what
 * makes SMTPConnection write the terminating ".".
 */
function commitGatedStream(raw: Buffer, hooks: AttemptHooks, onCommitted: () => void): Readable {
  const CHUNK = 64 * 1024;
  let offset = 0;
  let committing = false;
  return new Readable({
    read() {
      if (offset < raw.length) {
        this.push(raw.subarray(offset, (offset += CHUNK)));
        return;
      }
      if (committing) return;
      committing = true;
      hooks.beforeCommit().then(
        () => {
          onCommitted();
          this.push(null);
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}

export function smtpAttempt(
  settings: MailSettings,
  envelope: SmtpEnvelope,
  raw: Buffer,
  hooks: AttemptHooks,
  timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS,
  signal?: AbortSignal,
): Promise<SmtpAttemptResult> {
  const secrets = [settings.password, `\u0000${settings.user}\u0000${settings.password}`];
  return new Promise((resolve, reject) => {
    let done = false;
    let committed = false;
    const conn = new SMTPConnection({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      tls: { rejectUnauthorized: !settings.allowSelfSigned },
      ...timeouts,
      socketCloseTimeout: 0,
      logger: false,
    });
    const finish = (err: NodemailerError | null, result?: SmtpAttemptResult) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        conn.close();
        reject(classify(err, secrets, committed));
      } else {
        conn.quit();
        resolve(result!);
      }
    };
    const onAbort = () => {
      // After the final "." only the server's reply settles the outcome: wait for it
      // (bounded by socketTimeout) rather than turn a delivered mail into an uncertain one.
      if (committed) return;
      const err = new Error('The agent is closing') as NodemailerError;
      err.code = 'ECONNECTION';
      finish(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();
    // `on`, not `once`: a second 'error' after the first (a socket error while closing) must not
    // go unheard and crash the agent; finish() ignores everything after the first outcome.
    conn.on('error', (err: NodemailerError) => finish(err));
    conn.on('end', () => {
      const err = new Error('The server closed the connection') as NodemailerError;
      err.code = 'ECONNECTION';
      finish(err);
    });
    const send = () => {
      const stream = commitGatedStream(raw, hooks, () => (committed = true));
      conn.send({ ...envelope, size: raw.length }, stream, (err, info) => {
        if (err) return finish(err);
        finish(null, { response: info.response, accepted: info.accepted, rejected: info.rejected });
      });
    };
    conn.connect((err) => {
      if (err) return finish(err);
      if (!settings.user || !conn.allowsAuth) {
        if (settings.user && !conn.allowsAuth && settings.security !== 'none') {
          // Credentials were given but the server offers no login: sending anyway could relay
          // unauthenticated or be refused later with a less clear reason.
          const e = new Error('The server offers no login (AUTH) on this connection') as NodemailerError;
          e.code = 'ENOAUTH';
          return finish(e);
        }
        return send();
      }
      conn.login({ user: settings.user, pass: settings.password }, (loginErr) => (loginErr ? finish(loginErr) : send()));
    });
  });
}
