/**
 * Serves the web UI on 127.0.0.1 and bridges its `/api` WebSocket to the agent.
 *
 * Only this person's browser may drive the agent, so every request passes four gates: the peer is
 * loopback, the Host header names 127.0.0.1/localhost with our port (DNS rebinding), the per-start
 * token matches (any other local web page cannot know it), and a WebSocket's Origin is our own.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { RosterEntry } from '../../protocol/common.js';
import { CamvidError, toCamvidError } from '../../protocol/errors.js';
import { uiRequest, type AgentState, type DiscoveredRoom, type UiEvent, type UiRequest } from '../../protocol/ui.js';
import { parseJson } from '../../protocol/validate.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { createLogger } from '../log.js';
import { serveOfferedFile, type OfferedFile } from './offered-file.js';
import { DEFAULT_UI_DIST_DIR } from './ui-bundle.js';

/** A UI message is a small JSON request; nothing legitimate comes near this. */
export const MAX_UI_MESSAGE_BYTES = 64 * 1024;
/** A UI that stops reading gets disconnected (and reconnects to a fresh snapshot) past this. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const TOKEN_BYTES = 32;
const CLOSE_GRACE_MS = 500;

const log = createLogger('agent:ui-server');

/**
 * One connected page (one UI WebSocket). A request that opens something for that page alone (a
 * loopback media connection) registers its teardown here, so the page closing closes it.
 */
export interface UiSession {
  readonly id: number;
  /** runs `listener` once when the page's socket closes; returns a remover */
  onClose(listener: () => void): () => void;
}

/** What the UI server needs from the agent; the agent implements it. */
export interface UiBackend {
  /** current state for a newly connected UI */
  snapshot(): { state: AgentState; rooms: DiscoveredRoom[]; roster: RosterEntry[] };
  /** performs a request for `session`'s page; rejects with CamvidError on failure */
  handle(req: UiRequest, session: UiSession): Promise<unknown>;
  /** pushes `state`, `rooms` and `roster` events as they change; returns unsubscribe */
  subscribe(listener: (ev: UiEvent) => void): () => void;
  /** a local file a feature offered the pages as a download (`/file/<ticket>`), if any */
  offeredFile?(ticket: string): OfferedFile | undefined;
}

export interface UiServerOptions {
  backend: UiBackend;
  /** 0 = any free port */
  port: number;
  /** defaults to web-ui/dist */
  distDir?: string;
  /** defaults to 32 random bytes, base64url; fixed only in tests */
  token?: string;
}

/** Files served without the token: they are only code. The index needs the token. */
const PUBLIC_FILES: Record<string, string> = {
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.js.map': 'application/json; charset=utf-8',
};

const isLoopback = (addr: string | undefined): boolean =>
  !!addr && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'));

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class UiServer {
  readonly token: string;
  readonly #backend: UiBackend;
  readonly #distDir: string;
  readonly #requestedPort: number;
  readonly #tokenDigest: Buffer;
  readonly #http: http.Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  #nextSessionId = 1;
  #port = 0;
  #closing: Promise<void> | null = null;

  constructor(opts: UiServerOptions) {
    if (!opts || typeof opts.backend?.handle !== 'function') throw new TypeError('UiServer: backend is required');
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new TypeError('UiServer: port must be an integer in [0, 65535]');
    }
    if (opts.token !== undefined && (typeof opts.token !== 'string' || opts.token.length < 16)) {
      throw new TypeError('UiServer: token must be a string of at least 16 characters');
    }
    this.#backend = opts.backend;
    this.#requestedPort = opts.port;
    this.#distDir = opts.distDir ?? DEFAULT_UI_DIST_DIR;
    this.token = opts.token ?? randomBytes(TOKEN_BYTES).toString('base64url');
    this.#tokenDigest = digest(this.token);
    this.#http = http.createServer((req, res) => {
      this.#onRequest(req, res).catch((err) => {
        log.warn('request failed', err);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    this.#http.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
    this.#http.on('clientError', (_err, socket) => socket.destroy());
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_UI_MESSAGE_BYTES, perMessageDeflate: false });
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>/?token=<token>`: the link to print for the person. */
  get url(): string {
    if (!this.#port) throw new Error('UiServer is not listening');
    return `http://127.0.0.1:${this.#port}/?token=${this.token}`;
  }

  async listen(): Promise<void> {
    if (this.#closing) throw new CamvidError('CLOSED', 'UiServer is closed');
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#http.once('error', onError);
      this.#http.listen({ port: this.#requestedPort, host: '127.0.0.1' }, () => {
        this.#http.off('error', onError);
        resolve();
      });
    });
    this.#http.on('error', (err) => log.error('http server', err));
    this.#port = (this.#http.address() as { port: number }).port;
    log.info(`UI on http://127.0.0.1:${this.#port}/`);
  }

  /** Closes every UI socket and the server. Idempotent: later calls return the same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const sockets = [...this.#sockets];
    await Promise.all(sockets.map((ws) => closeSocket(ws, 1001, 'agent shutting down')));
    this.#wss.close();
    if (!this.#http.listening) return;
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
  }

  // ---- access checks ------------------------------------------------------------------------

  #tokenMatches(candidate: string | null): boolean {
    if (!candidate) return false;
    // Comparing digests keeps the comparison constant-time and independent of the length.
    return timingSafeEqual(digest(candidate), this.#tokenDigest);
  }

  #hostAllowed(host: string | undefined): boolean {
    const h = host?.toLowerCase();
    return h === `127.0.0.1:${this.#port}` || h === `localhost:${this.#port}`;
  }

  #originAllowed(origin: string | undefined): boolean {
    return origin === `http://127.0.0.1:${this.#port}` || origin === `http://localhost:${this.#port}`;
  }

  /** Everything but the token: a request from elsewhere is refused before its path matters. */
  #peerAllowed(req: http.IncomingMessage): boolean {
    return isLoopback(req.socket.remoteAddress) && this.#hostAllowed(req.headers.host);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.#peerAllowed(req)) return forbidden(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api') {
      if (!this.#tokenMatches(url.searchParams.get('token'))) return forbidden(res);
      res.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' }).end('WebSocket only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!this.#tokenMatches(url.searchParams.get('token'))) {
        return forbidden(res, 'Open the link the CAMVID agent printed: it carries the access token.\n');
      }
      return this.#serveFile(req, res, 'index.html', 'text/html; charset=utf-8', {
        'Content-Security-Policy': this.#csp(),
        'Cache-Control': 'no-store',
        // The token is in this page's URL: never send it on to anywhere else.
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
      });
    }
    const offered = /^\/file\/([0-9a-f]{32})$/.exec(url.pathname);
    if (offered) {
      if (!this.#tokenMatches(url.searchParams.get('token'))) return forbidden(res);
      return serveOfferedFile(req, res, this.#backend.offeredFile?.(offered[1]!));
    }
    const type = PUBLIC_FILES[url.pathname];
    if (type) return this.#serveFile(req, res, url.pathname.slice(1), type, {});
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
  }

  #csp(): string {
    const self = [`http://127.0.0.1:${this.#port}`, `http://localhost:${this.#port}`];
    const ws = [`ws://127.0.0.1:${this.#port}`, `ws://localhost:${this.#port}`];
    return [
      "default-src 'self'",
      "script-src 'self'",
      // Lit adopts constructed stylesheets; the index has one small <style> block.
      "style-src 'self' 'unsafe-inline'",
      `connect-src 'self' ${[...self, ...ws].join(' ')}`,
      "img-src 'self' data: blob:",
      "media-src 'self' blob: mediastream:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  async #serveFile(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    name: string,
    type: string,
    headers: Record<string, string>,
  ): Promise<void> {
    let body: Buffer;
    try {
      body = await fs.readFile(path.join(this.#distDir, name));
    } catch {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('The UI is not built: run `npm run build`.\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  // ---- WebSocket ----------------------------------------------------------------------------

  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok =
      !this.#closing &&
      this.#peerAllowed(req) &&
      url.pathname === '/api' &&
      this.#tokenMatches(url.searchParams.get('token')) &&
      this.#originAllowed(req.headers.origin);
    if (!ok) {
      log.debug('refused a UI WebSocket', { path: url.pathname, origin: req.headers.origin });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
  }

  #onConnection(ws: WebSocket): void {
    // An upgrade that completed while close() was running: close() no longer sees it.
    if (this.#closing) return void ws.terminate();
    this.#sockets.add(ws);
    const send = (ev: UiEvent) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        log.warn('UI is not reading its socket; disconnecting it');
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(ev));
    };
    let unsubscribe: (() => void) | null = null;
    const closeListeners = new Set<() => void>();
    let socketClosed = false;
    const session: UiSession = {
      id: this.#nextSessionId++,
      onClose(listener) {
        // A request that finishes after its page went away is torn down at once.
        if (socketClosed) {
          listener();
          return () => {};
        }
        closeListeners.add(listener);
        return () => closeListeners.delete(listener);
      },
    };
    ws.on('error', (err) => log.debug('UI socket error', err.message));
    ws.on('close', () => {
      socketClosed = true;
      this.#sockets.delete(ws);
      unsubscribe?.();
      for (const listener of [...closeListeners]) {
        try {
          listener();
        } catch (err) {
          log.warn('a UI session teardown failed', err);
        }
      }
      closeListeners.clear();
    });
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary, send, session));
    try {
      // Snapshot and subscribe in one tick, so no change can fall between them.
      const snap = this.#backend.snapshot();
      send({ type: 'hello', v: PROTOCOL_VERSION, state: snap.state });
      send({ type: 'rooms', rooms: snap.rooms });
      send({ type: 'roster', members: snap.roster });
      unsubscribe = this.#backend.subscribe((ev) => {
        try {
          send(ev);
        } catch (err) {
          log.warn('could not push an event to the UI', err);
        }
      });
    } catch (err) {
      log.error('backend snapshot failed', err);
      ws.close(1011, 'agent error');
    }
  }

  #onMessage(data: RawData, isBinary: boolean, send: (ev: UiEvent) => void, session: UiSession): void {
    let parsed: unknown;
    let req: UiRequest;
    try {
      if (isBinary) throw new CamvidError('BAD_MESSAGE', 'binary messages are not accepted');
      parsed = parseJson(rawToString(data), MAX_UI_MESSAGE_BYTES);
      req = uiRequest(parsed);
    } catch (err) {
      const id = requestIdOf(parsed);
      const e = toCamvidError(err);
      log.debug('bad UI message', e.message);
      if (id !== undefined) send({ type: 'reply', id, error: { code: 'BAD_MESSAGE', message: e.message } });
      return;
    }
    Promise.resolve()
      .then(() => this.#backend.handle(req, session))
      .then(
        (result) => send(result === undefined ? { type: 'reply', id: req.id } : { type: 'reply', id: req.id, result }),
        (err: unknown) => {
          if (!(err instanceof CamvidError)) log.error(`handling ${req.type} failed`, err);
          const e = toCamvidError(err);
          send({ type: 'reply', id: req.id, error: { code: e.code, message: e.message } });
        },
      )
      .catch((err) => log.warn('could not reply to the UI', err));
  }
}

function forbidden(res: http.ServerResponse, text = 'Forbidden\n'): void {
  res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(text);
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The id of a message that failed validation, if it carried a usable one. */
function requestIdOf(v: unknown): number | undefined {
  const id = typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** Starts the closing handshake and gives the browser a moment to answer before cutting it. */
function closeSocket(ws: WebSocket, code: number, reason: string): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(code, reason);
  });
}
