/**
 * An authenticated, encrypted session over one FrameTransport (a LAN WebSocket or a hyperswarm
 * stream), after the handshake: typed messages out, validated messages in. It owns the transport
 * and its heartbeat; `close()` is idempotent.
 * A frame that fails to open breaks the session (the counter stream is lost); a frame that opens
 * but does not validate is dropped and counted, never thrown at the owner.
 */
import { CamvidError, errorFromWire } from '../../protocol/errors.js';
import { hostHandshake } from '../../protocol/handshake.js';
import { parseJson, type Validator } from '../../protocol/validate.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import type { SealedChannel } from '../auth/sealed-channel.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { FrameTransport } from './frame-transport.js';

const log = createLogger('agent:session');
/** Pings detect a peer whose machine vanished without closing TCP. */
const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 3500;

export type SecureSessionEvents<In> = {
  message: [In];
  close: [reason: CamvidError | null];
};

export class SecureSession<Out extends { type: string }, In extends { type: string }> extends TypedEmitter<
  SecureSessionEvents<In>
> {
  /** messages that opened but failed validation */
  rejected = 0;
  #closed = false;
  #lastPong = Date.now();
  readonly #timer: NodeJS.Timeout;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly transport: FrameTransport,
    private readonly channel: SealedChannel,
    private readonly validate: Validator<In>,
  ) {
    super();
    transport.on('frame', (data, text) => this.#onFrame(data, text));
    transport.on('pong', () => (this.#lastPong = Date.now()));
    transport.on('close', (err) =>
      this.#finish(err ? (err instanceof CamvidError ? err : new CamvidError('UNREACHABLE', err.message)) : new CamvidError('CLOSED', 'connection closed')),
    );
    this.#timer = setInterval(() => {
      if (Date.now() - this.#lastPong > PING_TIMEOUT_MS) {
        this.#finish(new CamvidError('TIMEOUT', 'peer stopped answering'));
        return;
      }
      transport.ping();
    }, PING_INTERVAL_MS);
    this.#timer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** the handshake transcript this session's keys are bound to (a joiner's identity signs it) */
  get transcript(): Uint8Array {
    return this.channel.transcript;
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  send(message: Out): void {
    if (this.#closed) return;
    const sealed = this.channel.seal(this.#encoder.encode(JSON.stringify(message)));
    this.transport.sendBinary(sealed);
  }

  close(): void {
    this.#finish(null);
  }

  #onFrame(data: Buffer, text: boolean): void {
    if (this.#closed) return;
    let plain: Uint8Array;
    try {
      if (text) throw hostRefusal(data) ?? new CamvidError('BAD_MESSAGE', 'text frame after handshake');
      plain = this.channel.open(new Uint8Array(data));
    } catch (err) {
      log.warn(`dropping session from ${this.remoteAddress}:`, (err as Error).message);
      this.#finish(err as CamvidError);
      return;
    }
    let message: In;
    try {
      message = this.validate(parseJson(this.#decoder.decode(plain), MAX_SIGNAL_FRAME_BYTES));
    } catch (err) {
      this.rejected++;
      log.warn(`rejected message from ${this.remoteAddress}:`, (err as Error).message);
      return;
    }
    this.emit('message', message);
  }

  #finish(reason: CamvidError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      if (reason && reason.code !== 'CLOSED') this.transport.terminate();
      else this.transport.close();
    } catch {
      /* already gone */
    }
    this.emit('close', reason);
    this.removeAllListeners();
  }
}

/**
 * A joiner's session starts right after it sends its proof; if the host refused that proof (or
 * timed the handshake out) its answer is a plain-text handshake `error`: keep its code.
 */
function hostRefusal(data: Buffer): CamvidError | null {
  try {
    const msg = hostHandshake(parseJson(data.toString('utf8'), MAX_SIGNAL_FRAME_BYTES));
    return msg.type === 'error' ? errorFromWire(msg) : null;
  } catch {
    return null;
  }
}
