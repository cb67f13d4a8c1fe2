/**
 * The persistent outbox: one LevelDB record per mail (its state and history) plus the message's
 * exact bytes in `<data>/mail-outbox/<id>.eml`. One worker sends due mails one at a time.
 *
 * Exactly once across crashes. Every transition is written with `sync: true` before the step it
 * announces:
 *   queued ──put "sending"──▶ connect, login, MAIL/RCPT/DATA, message bytes
 *          ──put "committing"──▶ final "." ──▶ 250 ──put "sent"
 * On start, a mail found in "sending" without "committing" never had its final "." written, so
 * the server cannot have accepted it: it goes back to the queue. A mail found "committing" may or
 * may not have been accepted (the agent died between the "." and the server's reply, a window
 * of one round trip plus the server's own checks): it is marked failed with `uncertain`, never
 * resent by itself, and the person decides (Retry sends the same bytes and Message-ID, which
 * most mail systems use to drop a duplicate). The same holds when the connection drops in that
 * window while the agent lives.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import type { MailSummary } from '../../protocol/mail.js';
import { createLogger } from '../log.js';
import type { Sublevel } from '../store/store.js';
import { TypedEmitter } from '../typed-emitter.js';
import { syncDir, writeNewSynced } from '../store/durable-file.js';
import type { MailSettings } from './mail-settings-file.js';
import { DEFAULT_SMTP_TIMEOUTS, SmtpFailure, smtpAttempt, type SmtpEnvelope, type SmtpTimeouts } from './smtp-attempt.js';

const log = createLogger('agent:mail');
export const OUTBOX_DIR = 'mail-outbox';
/** Sent mails kept for the list; older ones are pruned at start. */
const KEEP_SENT = 200;
/** classic-level's fsync-per-write option: sublevels pass it through, abstract-level's types omit it. */
const SYNC = { sync: true } as NonNullable<Parameters<Sublevel['put']>[2]> & NonNullable<Parameters<Sublevel['del']>[1]>;

export interface RetryPolicy {
  /** first retry after this, doubling per attempt */
  baseMs: number;
  /** never wait longer than this between attempts (also how soon a returning server is noticed) */
  maxMs: number;
  /** a mail still not sent after this long fails */
  giveUpMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 5 * 60_000, giveUpMs: 5 * 24 * 3600_000 };

/** What is stored per mail: the summary the UI sees plus what only the agent needs. */
interface OutboxRecord extends MailSummary {
  envelope: SmtpEnvelope;
  /** the final "." may have been written: the outcome of the attempt is unknown after a crash */
  committing: boolean;
  /** when it was last put into the queue (composed or retried); giving up counts from here */
  queuedAt: number;
}

export interface NewMail {
  messageId: string;
  envelope: SmtpEnvelope;
  to: string[];
  cc: string[];
  subject: string;
  attachments: { name: string; size: number }[];
  raw: Buffer;
}

export interface MailOutboxOptions {
  db: Sublevel;
  /** the agent's data folder; messages go to `<dir>/mail-outbox/` */
  dir: string;
  settings: () => MailSettings | null;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<SmtpTimeouts>;
}

type OutboxEvents = {
  update: [mail: MailSummary];
  removed: [id: string];
};

const summary = ({ envelope: _e, committing: _c, queuedAt: _q, ...s }: OutboxRecord): MailSummary => s;

export class MailOutbox extends TypedEmitter<OutboxEvents> {
  readonly #db: Sublevel;
  readonly #dir: string;
  readonly #settings: () => MailSettings | null;
  readonly #retry: RetryPolicy;
  readonly #timeouts: SmtpTimeouts;
  readonly #mails = new Map<string, OutboxRecord>();
  readonly #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(opts: MailOutboxOptions) {
    super();
    this.#db = opts.db;
    this.#dir = path.join(opts.dir, OUTBOX_DIR);
    this.#settings = opts.settings;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...opts.timeouts };
  }

  /** Loads the outbox, settles what a crash left in "sending", and starts sending. */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for await (const [id, value] of this.#db.iterator()) {
      try {
        this.#mails.set(id, JSON.parse(value) as OutboxRecord);
      } catch {
        log.warn(`dropping unreadable outbox record ${id}`);
        await this.#db.del(id);
      }
    }
    for (const rec of [...this.#mails.values()]) {
      if (rec.state !== 'sending') continue;
      if (rec.committing) {
        await this.#save({
          ...rec,
          state: 'failed',
          committing: false,
          uncertain: true,
          lastError:
            'The agent stopped after handing the whole mail to the server and before the server answered. ' +
            'It may have been delivered, so it is not sent again by itself: check, then press Retry to send it again.',
        });
      } else {
        // The final "." was never written: the server cannot have accepted this mail.
        await this.#save({ ...rec, state: 'queued', nextAttemptAt: Date.now() });
      }
    }
    await this.#prune();
    // A fresh start is a good moment to try (the network may be back): no waiting out old backoffs.
    this.settingsChanged();
  }

  list(): MailSummary[] {
    return [...this.#mails.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map(summary);
  }

  get(id: string): MailSummary | undefined {
    const rec = this.#mails.get(id);
    return rec && summary(rec);
  }

  /** Stores the message durably (bytes first, then the record) and queues it. */
  async enqueue(mail: NewMail): Promise<MailSummary> {
    this.#assertOpen();
    const now = Date.now();
    const id = `${now.toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
    await writeNewSynced(this.#emlPath(id), mail.raw);
    await syncDir(this.#dir);
    const rec: OutboxRecord = {
      id,
      messageId: mail.messageId,
      envelope: mail.envelope,
      to: mail.to,
      cc: mail.cc,
      subject: mail.subject,
      attachments: mail.attachments,
      state: 'queued',
      attempts: 0,
      createdAt: now,
      nextAttemptAt: now,
      sentAt: null,
      lastError: null,
      uncertain: false,
      committing: false,
      queuedAt: now,
    };
    await this.#save(rec);
    this.#kick();
    return summary(rec);
  }

  /** A failed mail back into the queue (same bytes, same Message-ID), or a queued one due now. */
  async retry(id: string): Promise<MailSummary> {
    const rec = this.#find(id);
    if (rec.state !== 'failed' && rec.state !== 'queued') throw new CamvidError('BAD_MAIL', `That mail is ${rec.state}; only a queued or failed mail can be retried.`);
    const now = Date.now();
    const next: OutboxRecord = { ...rec, state: 'queued', nextAttemptAt: now, uncertain: false, queuedAt: rec.state === 'failed' ? now : rec.queuedAt };
    await this.#save(next);
    this.#kick();
    return summary(next);
  }

  async remove(id: string): Promise<void> {
    const rec = this.#find(id);
    if (rec.state === 'sending') throw new CamvidError('BAD_MAIL', 'That mail is being sent right now; wait for the result.');
    this.#mails.delete(id);
    await this.#db.del(id, SYNC);
    await rm(this.#emlPath(id), { force: true });
    this.emit('removed', id);
  }

  /** New settings: try the queue now rather than at the end of the current backoff. */
  settingsChanged(): void {
    const now = Date.now();
    for (const rec of this.#mails.values()) if (rec.state === 'queued') rec.nextAttemptAt = Math.min(rec.nextAttemptAt ?? now, now);
    this.#kick();
  }

  /** Stops sending. An attempt in flight is aborted before its final "." (and requeued), or awaited after it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      this.#abort.abort();
      await this.#running;
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #kick(): void {
    if (this.#closing || this.#running) return;
    clearTimeout(this.#timer);
    this.#running = this.#run()
      .catch((err) => log.error('outbox worker failed:', (err as Error).message))
      .finally(() => {
        this.#running = null;
        this.#scheduleNext();
      });
  }

  async #run(): Promise<void> {
    for (;;) {
      if (this.#closing) return;
      const settings = this.#settings();
      const due = settings && this.#nextDue(Date.now());
      if (!settings || !due) return;
      await this.#attempt(due, settings);
    }
  }

  #nextDue(now: number): OutboxRecord | undefined {
    let best: OutboxRecord | undefined;
    for (const rec of this.#mails.values()) {
      if (rec.state !== 'queued' || (rec.nextAttemptAt ?? 0) > now) continue;
      if (!best || rec.createdAt < best.createdAt) best = rec;
    }
    return best;
  }

  #scheduleNext(): void {
    if (this.#closing || !this.#settings()) return;
    let next = Infinity;
    for (const rec of this.#mails.values()) if (rec.state === 'queued') next = Math.min(next, rec.nextAttemptAt ?? 0);
    if (next === Infinity) return;
    this.#timer = setTimeout(() => this.#kick(), Math.max(0, next - Date.now()));
  }

  async #attempt(queued: OutboxRecord, settings: MailSettings): Promise<void> {
    if (Date.now() - queued.queuedAt > this.#retry.giveUpMs) {
      await this.#save({ ...queued, state: 'failed', lastError: `Gave up: not sent within ${Math.round(this.#retry.giveUpMs / 3600_000)} hours. Last error: ${queued.lastError ?? 'none'}` });
      return;
    }
    let rec: OutboxRecord = { ...queued, state: 'sending', attempts: queued.attempts + 1, nextAttemptAt: null, committing: false };
    await this.#save(rec);
    let raw: Buffer;
    try {
      raw = await readFile(this.#emlPath(rec.id));
    } catch (err) {
      await this.#save({ ...rec, state: 'failed', lastError: `The stored message is missing (${(err as Error).message}).` });
      return;
    }
    try {
      const result = await smtpAttempt(
        settings,
        rec.envelope,
        raw,
        { beforeCommit: () => this.#save((rec = { ...rec, committing: true }), false) },
        this.#timeouts,
        this.#abort.signal,
      );
      const refused = result.rejected.length ? `Accepted, except for: ${result.rejected.join(', ')}` : null;
      await this.#save({ ...rec, state: 'sent', committing: false, sentAt: Date.now(), lastError: refused });
      await rm(this.#emlPath(rec.id), { force: true });
    } catch (err) {
      await this.#save(this.#afterFailure(rec, err));
    }
  }

  #afterFailure(rec: OutboxRecord, err: unknown): OutboxRecord {
    const f = err instanceof SmtpFailure ? err : new SmtpFailure((err as Error).message, false, false);
    const base = { ...rec, committing: false, lastError: f.message };
    if (f.afterData) {
      return {
        ...base,
        state: 'failed',
        uncertain: true,
        lastError: `No answer after the whole mail was handed over (${f.message}). It may have been delivered, so it is not sent again by itself: check, then press Retry.`,
      };
    }
    if (this.#abort.signal.aborted) return { ...base, state: 'queued', nextAttemptAt: Date.now(), lastError: rec.lastError };
    if (!f.transient) return { ...base, state: 'failed' };
    const delay = Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** Math.min(rec.attempts - 1, 20));
    // ±20% jitter so several agents behind one relay do not retry in step.
    return { ...base, state: 'queued', nextAttemptAt: Date.now() + Math.round(delay * (0.8 + Math.random() * 0.4)) };
  }

  /** Writes the record durably, then tells the UI. `notify` false for the internal commit mark. */
  async #save(rec: OutboxRecord, notify = true): Promise<void> {
    await this.#db.put(rec.id, JSON.stringify(rec), SYNC);
    this.#mails.set(rec.id, rec);
    if (notify) this.emit('update', summary(rec));
  }

  async #prune(): Promise<void> {
    const sent = [...this.#mails.values()].filter((m) => m.state === 'sent').sort((a, b) => (b.sentAt ?? 0) - (a.sentAt ?? 0));
    for (const rec of sent.slice(KEEP_SENT)) {
      this.#mails.delete(rec.id);
      await this.#db.del(rec.id);
    }
    // Message files without a record: a crash between writing the bytes and the record.
    for (const name of await readdir(this.#dir)) {
      const id = name.replace(/\.eml$/, '');
      const rec = this.#mails.get(id);
      if (!rec || rec.state === 'sent') await rm(path.join(this.#dir, name), { force: true });
    }
  }

  #find(id: string): OutboxRecord {
    const rec = this.#mails.get(id);
    if (!rec) throw new CamvidError('BAD_MAIL', 'No such mail in the outbox.');
    return rec;
  }

  #assertOpen(): void {
    if (this.#closing) throw new CamvidError('CLOSED', 'The mail outbox is closed.');
  }

  #emlPath(id: string): string {
    return path.join(this.#dir, `${id}.eml`);
  }
}
