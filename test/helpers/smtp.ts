/**
 * A real SMTP server for mail tests (the `smtp-server` package) on 127.0.0.1: STARTTLS with a
 * self-signed certificate made here by the `openssl` CLI, AUTH PLAIN and LOGIN, and every mail
 * it accepts parsed with `mailparser`. It can be stopped and started again on the same port
 * (a server that is down at send time), and told to refuse RCPT with a given reply.
 *
 *   if (!requireCapability('openssl', canMakeCertificate())) return;
 *   const smtp = new TestSmtpServer({ users: { ada: 'app-password' } });
 *   await smtp.start();
 *   …
 *   await smtp.stop();
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import WebSocket from 'ws';
import type { UiEvent } from '../../protocol/ui.js';

let cached: { key: Buffer; cert: Buffer } | null = null;

export const canMakeCertificate = (): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** A throwaway P-256 key and self-signed certificate for 127.0.0.1 (no network, ~20 ms). */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    cached = { key: readFileSync(key), cert: readFileSync(cert) };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port that was free a moment ago (for a server that starts later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: Buffer;
  /** the login the sender used */
  user: string | undefined;
  /** whether the session was upgraded with STARTTLS before the mail */
  secure: boolean;
  envelopeTo: string[];
}

export interface TestSmtpOptions {
  users: Record<string, string>;
  /** a fixed port (to restart on); default any free one, kept across restarts */
  port?: number;
  /** default PLAIN and LOGIN */
  authMethods?: string[];
}

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** every AUTH attempt, right or wrong */
  authAttempts = 0;
  /** every completed DATA (the final "." seen), accepted or refused */
  dataCount = 0;
  /** when set, RCPT TO is answered with this code and text */
  rcptReply: { code: number; message: string } | null = null;
  /** when set, the reply to the final "." is held back this long */
  holdDataReplyMs = 0;
  /** when set, the reply to RCPT TO is held back this long */
  holdRcptMs = 0;
  /** every RCPT TO seen */
  rcptCount = 0;
  port: number;
  #server: SMTPServer | null = null;
  readonly #waiters = new Set<() => void>();

  constructor(readonly opts: TestSmtpOptions) {
    this.port = opts.port ?? 0;
  }

  async start(): Promise<number> {
    const { key, cert } = selfSignedCertificate();
    const server = new SMTPServer({
      key,
      cert,
      authMethods: this.opts.authMethods ?? ['PLAIN', 'LOGIN'],
      logger: false,
      closeTimeout: 200,
      onAuth: (auth, _session, cb) => {
        this.authAttempts++;
        if (auth.username && this.opts.users[auth.username] === auth.password) return cb(null, { user: auth.username });
        const err = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number };
        err.responseCode = 535;
        cb(err);
      },
      onRcptTo: (_addr, _session, cb) => {
        this.rcptCount++;
        this.#wake();
        // unref: a held reply must not keep the test process alive after the test ends
        if (this.holdRcptMs) return void setTimeout(() => cb(), this.holdRcptMs).unref();
        if (!this.rcptReply) return cb();
        const err = new Error(this.rcptReply.message) as Error & { responseCode: number };
        err.responseCode = this.rcptReply.code;
        cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', () => {}); // a client that dies mid-message: not a mail
        stream.on('end', () => {
          this.dataCount++;
          this.#wake();
          const raw = Buffer.concat(chunks);
          const user = typeof session.user === 'string' ? session.user : undefined;
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          void simpleParser(raw).then((parsed) => {
            this.received.push({ parsed, raw, user, secure: session.secure, envelopeTo });
            this.#wake();
          });
          if (this.holdDataReplyMs) setTimeout(() => cb(), this.holdDataReplyMs).unref();
          else cb();
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as net.AddressInfo).port;
    this.#server = server;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once at least `n` mails arrived (parsed). */
  async waitForMails(n: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    await this.waitUntil(() => this.received.length >= n, timeoutMs, `${n} mails (have ${this.received.length})`);
    return this.received;
  }

  /** Resolves when `check` holds, tested on every SMTP step this server sees. */
  waitUntil(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(test);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(test);
        reject(new Error(`SMTP server: timed out waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/**
 * A test's own connection to an agent's UI API (`CAMVID UI: <url>`): requests with replies, and
 * every event the agent pushed.
 */
export class UiSocket {
  readonly events: UiEvent[] = [];
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const ev = JSON.parse(String(data)) as UiEvent;
      if (ev.type !== 'reply') return void this.events.push(ev);
      const p = this.#pending.get(ev.id);
      this.#pending.delete(ev.id);
      if (ev.error) p?.reject(Object.assign(new Error(ev.error.message), { code: ev.error.code }));
      else p?.resolve(ev.result);
    });
  }

  static open(uiUrl: string): Promise<UiSocket> {
    const u = new URL(uiUrl);
    const ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, { origin: u.origin });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new UiSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a UI request; rejects with the agent's error, or if no reply comes within `timeoutMs`. */
  request<T = unknown>(body: { type: string } & Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no reply to ${body.type} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const settle = <A>(f: (a: A) => void) => (a: A) => {
        clearTimeout(timer);
        f(a);
      };
      this.#pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject) });
      this.ws.send(JSON.stringify({ ...body, id }));
    });
  }

  close(): void {
    this.ws.close();
  }
}
