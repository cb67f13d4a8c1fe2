/**
 * A FrameTransport over any reliable byte stream (a hyperswarm connection: a Noise-encrypted
 * duplex). Frames are `[u32 BE length][u8 kind][payload]`, length = 1 + payload bytes, kind 0 text,
 * 1 binary, 2 ping, 3 pong. A frame over MAX_SIGNAL_FRAME_BYTES, an unknown kind or a stream error
 * closes this one transport with a typed error; it never throws at its owner. It owns the stream.
 */
import type { Duplex } from 'node:stream';
import { CamvidError } from '../../protocol/errors.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { FrameTransport, FrameTransportEvents } from './frame-transport.js';

const KIND = { text: 0, binary: 1, ping: 2, pong: 3 } as const;
const HEADER_BYTES = 5;
/** A peer that will not finish closing is cut off after this. */
const CLOSE_GRACE_MS = 1000;

export class StreamTransport extends TypedEmitter<FrameTransportEvents> implements FrameTransport {
  #closed = false;
  #buffered: Buffer[] = [];

  constructor(
    private readonly stream: Duplex,
    readonly remoteAddress: string,
  ) {
    super();
    // Always an error listener: a reset stream without one would crash the process.
    stream.on('error', (err) => this.#finish(new CamvidError('UNREACHABLE', `stream failed: ${err.message}`)));
    stream.on('close', () => this.#finish(null));
    stream.on('end', () => {
      this.#finish(null);
      stream.end();
    });
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  get closed(): boolean {
    return this.#closed;
  }

  sendText(text: string): void {
    this.#write(KIND.text, Buffer.from(text, 'utf8'));
  }

  sendBinary(data: Uint8Array): void {
    this.#write(KIND.binary, data);
  }

  ping(): void {
    this.#write(KIND.ping, new Uint8Array(0));
  }

  close(): void {
    if (this.#closed) return;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
    this.#finish(null);
  }

  terminate(): void {
    this.stream.destroy();
    this.#finish(null);
  }

  #write(kind: number, payload: Uint8Array): void {
    if (this.#closed || this.stream.destroyed) return;
    if (payload.length > MAX_SIGNAL_FRAME_BYTES) throw new CamvidError('BAD_MESSAGE', 'frame too large to send');
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(payload.length + 1, 0);
    header[4] = kind;
    this.stream.write(Buffer.concat([header, payload]));
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#buffered.push(chunk);
    let buf = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered);
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32BE(at);
      if (length < 1 || length > MAX_SIGNAL_FRAME_BYTES + 1) {
        return this.#fail(`frame of ${length} bytes`);
      }
      if (buf.length - at < 4 + length) break;
      const kind = buf[at + 4]!;
      const payload = buf.subarray(at + HEADER_BYTES, at + 4 + length);
      at += 4 + length;
      if (!this.#onFrame(kind, payload)) return;
    }
    buf = buf.subarray(at);
    this.#buffered = buf.length ? [buf] : [];
  }

  /** False once the transport closed (a bad frame, or a listener closed it). */
  #onFrame(kind: number, payload: Buffer): boolean {
    switch (kind) {
      case KIND.text:
      case KIND.binary:
        // A copy: the listener may keep it, and `payload` points into a buffer we reuse.
        this.emit('frame', Buffer.from(payload), kind === KIND.text);
        break;
      case KIND.ping:
        this.#write(KIND.pong, new Uint8Array(0));
        break;
      case KIND.pong:
        this.emit('pong');
        break;
      default:
        this.#fail(`unknown frame kind ${kind}`);
    }
    return !this.#closed;
  }

  #fail(why: string): void {
    this.stream.destroy();
    this.#finish(new CamvidError('BAD_MESSAGE', `malformed stream from ${this.remoteAddress}: ${why}`));
  }

  #finish(err: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffered = [];
    this.emit('close', err);
    this.removeAllListeners();
  }
}
