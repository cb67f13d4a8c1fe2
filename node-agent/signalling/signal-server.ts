/**
 * The host's LAN listener: HTTP `GET /camvid/ping` (liveness for discovery) and the signalling
 * WebSocket `/camvid/signal`, where each connection runs the password handshake and then becomes a
 * SecureSession. Other transports (a hyperswarm stream) hand their connections to `accept()` and
 * get the very same handshake. Anything else, or any malformed byte, closes that one connection; the server and
 * the agent go on. Password attempts are throttled per source address: every hello the host answers
 * is an attempt (the answer is what lets a peer test its one guess), counted as failed when its
 * handshake ends without a correct key confirmation; at most MAX_PENDING_PER_ADDRESS are in flight.
 *
 * Only agents talk to this port, and no web page may (DNS rebinding): an HTTP or WebSocket request
 * that carries an `Origin` header (browsers always send one, agents never do), or whose `Host` is
 * not an IP literal or a `.local` name, is refused with a bare 403 (signallingRequestAllowed).
 */
import http from 'node:http';
import { isIPv4, isIPv6, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { CamvidError, toCamvidError } from '../../protocol/errors.js';
import { joinerHandshake, type HostHandshake } from '../../protocol/handshake.js';
import { memberMessage, type HostMessage, type MemberMessage } from '../../protocol/session.js';
import { parseJson } from '../../protocol/validate.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import { FailureThrottle } from '../auth/failure-throttle.js';
import { HostHandshakeState, type HostSigner } from '../auth/handshake.js';
import type { RoomKey } from '../auth/room-key.js';
import { SealedChannel } from '../auth/sealed-channel.js';
import { PING_PATH, pingResponse } from '../discovery/probe.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { FrameTransport } from './frame-transport.js';
import { SecureSession } from './secure-session.js';
import { TurnQueue } from './turn-queue.js';
import { WsTransport } from './ws-transport.js';

const log = createLogger('agent:signal');
/** generous: a joiner on a loaded or slow machine must not fail between challenge and proof */
const HANDSHAKE_TIMEOUT_MS = 15_000;
export const SIGNAL_PATH = '/camvid/signal';
/**
 * Handshakes in flight at once, per source address and in all. An honest agent has one at a time
 * (a few while a class arrives through one NAT); a flood beyond either cap is dropped unanswered,
 * before any work or state, so a thousand parallel hellos cost the host a thousand closed sockets,
 * not a thousand CPace computations, and never a real student's place.
 */
export const MAX_PENDING_PER_ADDRESS = 8;
export const MAX_PENDING_HANDSHAKES = 128;
/**
 * Open TCP connections per source address, sessions included: an agent holds one (a few behind a
 * classroom NAT). Beyond it a socket is closed as it is accepted, before HTTP or WebSocket parsing,
 * which is what a flood of connections would otherwise make the host do for each.
 */
export const MAX_SOCKETS_PER_ADDRESS = 64;

export type HostSession = SecureSession<HostMessage, MemberMessage>;

const LOCAL_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})\.)+local\.?$/i;

/** `Host` values an agent sends: `192.168.1.10[:port]`, `[fe80::1][:port]`, `name.local[:port]`. */
export function isAgentHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  if (m[1] !== undefined) return isIPv6(m[1]);
  return isIPv4(m[2]!) || LOCAL_NAME.test(m[2]!);
}

/** No page in a browser (which always sends `Origin`), and no name a DNS-rebinding page could use. */
export const signallingRequestAllowed = (req: http.IncomingMessage): boolean =>
  req.headers.origin === undefined && isAgentHost(req.headers.host);

export interface SignalServerOptions {
  roomId: string;
  roomKey: RoomKey;
  /** the host's room identity: it signs every handshake, so students can pin the host */
  identity: HostSigner;
  port: number;
  /** interface to listen on; default all (the LAN must reach it) */
  host?: string;
  throttle?: FailureThrottle;
}

export type SignalServerEvents = {
  session: [session: HostSession, role: 'join' | 'edge'];
};

export class SignalServer extends TypedEmitter<SignalServerEvents> {
  /** handshakes refused, by code: the bad-input and brute-force figures read these */
  readonly refused = new Map<string, number>();
  readonly #http: http.Server;
  readonly #wss: WebSocketServer;
  readonly #throttle: FailureThrottle;
  readonly #pending = new Set<FrameTransport>();
  readonly #pendingBy = new Map<string, number>();
  readonly #socketsBy = new Map<string, number>();
  /** the answers to hellos (CPace group work), one per event-loop turn */
  readonly work = new TurnQueue();
  #closing: Promise<void> | null = null;

  constructor(private readonly opts: SignalServerOptions) {
    super();
    this.#throttle = opts.throttle ?? new FailureThrottle();
    // No Host header at all is refused by our own check (a 403 like the others), not Node's 400.
    this.#http = http.createServer({ requireHostHeader: false }, (req, res) => this.#onRequest(req, res));
    // Garbage on the port (not HTTP) ends that socket only.
    this.#http.on('clientError', (_err, socket) => socket.destroy());
    this.#http.on('connection', (socket) => {
      const address = socket.remoteAddress ?? '?';
      const open = (this.#socketsBy.get(address) ?? 0) + 1;
      if (open > MAX_SOCKETS_PER_ADDRESS) {
        this.#count('THROTTLED');
        socket.destroy();
        return;
      }
      this.#socketsBy.set(address, open);
      socket.once('close', () => {
        const left = (this.#socketsBy.get(address) ?? 1) - 1;
        if (left > 0) this.#socketsBy.set(address, left);
        else this.#socketsBy.delete(address);
      });
    });
    this.#http.headersTimeout = 5000;
    this.#http.requestTimeout = 5000;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SIGNAL_FRAME_BYTES });
    this.#http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      if (!signallingRequestAllowed(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      if (new URL(req.url ?? '/', 'http://x').pathname !== SIGNAL_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.accept(new WsTransport(ws, req.socket.remoteAddress ?? '?')));
    });
  }

  /** handshakes in flight now (the flood tests read it) */
  get pendingHandshakes(): number {
    return this.#pending.size;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.opts.port, this.opts.host, () => {
        this.#http.off('error', reject);
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      for (const t of this.#pending) t.terminate();
      for (const ws of this.#wss.clients) ws.terminate();
      this.#wss.close();
      this.#http.closeAllConnections();
      this.#http.close(() => resolve());
      this.removeAllListeners();
    });
    return this.#closing;
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!signallingRequestAllowed(req)) {
      res.writeHead(403, { 'content-length': 0, connection: 'close' }).end();
      return;
    }
    if (req.method === 'GET' && req.url === PING_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(pingResponse(this.opts.roomId));
      return;
    }
    res.writeHead(404).end();
  }

  #count(code: string): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  /**
   * Runs the host's side of the handshake on a new connection; on success emits `session`.
   * Failed password attempts are throttled per `transport.remoteAddress`.
   */
  accept(transport: FrameTransport): void {
    if (this.#closing) return transport.terminate();
    const address = transport.remoteAddress;
    const fromAddress = this.#pendingBy.get(address) ?? 0;
    if (fromAddress >= MAX_PENDING_PER_ADDRESS || this.#pending.size >= MAX_PENDING_HANDSHAKES) {
      this.#count('THROTTLED');
      return transport.terminate();
    }
    this.#pending.add(transport);
    this.#pendingBy.set(address, fromAddress + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#pending.delete(transport);
      const left = (this.#pendingBy.get(address) ?? 1) - 1;
      if (left > 0) this.#pendingBy.set(address, left);
      else this.#pendingBy.delete(address);
    };
    const state = new HostHandshakeState(this.opts.roomKey, this.opts.roomId, this.opts.identity);
    let step: 'hello' | 'working' | 'proof' | 'done' = 'hello';
    // An answered hello is one guess its peer can test; it counts as a failed attempt unless a
    // correct key confirmation follows, once the handshake ends either way. Counting at the end
    // rather than at the answer lets a class arriving at once through one address (a NAT) in;
    // the guesses in flight meanwhile are bounded by MAX_PENDING_PER_ADDRESS.
    let attempted = false;
    const endAttempt = (ok: boolean) => {
      if (!attempted) return;
      attempted = false;
      if (ok) this.#throttle.recordSuccess(address);
      else this.#throttle.recordFailure(address);
    };
    const timer = setTimeout(() => fail(new CamvidError('TIMEOUT', 'handshake timed out')), HANDSHAKE_TIMEOUT_MS);
    const reply = (m: HostHandshake) => transport.sendText(JSON.stringify(m));
    const fail = (err: CamvidError) => {
      clearTimeout(timer);
      release();
      endAttempt(false);
      this.#count(err.code);
      const retryAfterMs = err.code === 'THROTTLED' ? this.#throttle.retryAfter(address) : undefined;
      try {
        reply({ type: 'error', code: err.code, message: err.message.slice(0, 300), retryAfterMs });
        transport.close();
      } catch {
        transport.terminate();
      }
      setTimeout(() => transport.terminate(), 1000).unref();
      log.debug(`handshake from ${address} refused: ${err.code}`);
    };
    transport.on('close', () => {
      clearTimeout(timer);
      release();
      // A joiner with the wrong password cannot verify our challenge and hangs up without a proof:
      // a failed attempt.
      endAttempt(false);
      if (step === 'proof') {
        step = 'done';
        this.#count('BAD_PASSWORD');
      }
    });
    const onFrame = (data: Buffer, text: boolean) => {
      try {
        if (!text) throw new CamvidError('BAD_MESSAGE', 'binary frame during handshake');
        const msg = joinerHandshake(parseJson(data.toString('utf8'), MAX_SIGNAL_FRAME_BYTES));
        if (step === 'hello' && msg.type === 'hello') {
          const wait = this.#throttle.retryAfter(address);
          if (wait > 0) throw new CamvidError('THROTTLED', `Too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s.`);
          step = 'working';
          this.work.push(() => {
            if (step !== 'working' || transport.closed) return;
            try {
              // An attempt from before the work: a challenge lets the peer test one guess, whether
              // or not it ever sends a proof.
              reply(state.onHello(msg, () => (attempted = true)));
              step = 'proof';
            } catch (err) {
              step = 'done';
              transport.off('frame', onFrame);
              fail(toCamvidError(err));
            }
          });
        } else if (step === 'proof' && msg.type === 'proof') {
          const keys = state.onProof(msg);
          step = 'done';
          clearTimeout(timer);
          release();
          transport.off('frame', onFrame);
          endAttempt(true);
          const session: HostSession = new SecureSession(transport, new SealedChannel(keys, 'host'), memberMessage);
          this.emit('session', session, state.role);
        } else {
          throw new CamvidError('BAD_MESSAGE', `unexpected ${msg.type}`);
        }
      } catch (err) {
        step = 'done';
        transport.off('frame', onFrame);
        fail(toCamvidError(err));
      }
    };
    transport.on('frame', onFrame);
  }
}
