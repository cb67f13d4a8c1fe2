/**
 * A FrameTransport over one `ws` WebSocket (the LAN signalling path): WebSocket messages are the
 * frames, WebSocket ping/pong the liveness check. It owns the socket.
 */
import type { WebSocket } from 'ws';
import { TypedEmitter } from '../typed-emitter.js';
import type { FrameTransport, FrameTransportEvents } from './frame-transport.js';

export class WsTransport extends TypedEmitter<FrameTransportEvents> implements FrameTransport {
  #closed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
  ) {
    super();
    ws.on('message', (data, isBinary) => {
      if (!this.#closed) this.emit('frame', data as Buffer, !isBinary);
    });
    ws.on('pong', () => this.emit('pong'));
    ws.on('error', (err) => this.#finish(err));
    ws.on('close', () => this.#finish(null));
  }

  get closed(): boolean {
    return this.#closed;
  }

  sendText(text: string): void {
    if (!this.#closed) this.ws.send(text);
  }

  sendBinary(data: Uint8Array): void {
    if (!this.#closed) this.ws.send(data);
  }

  ping(): void {
    try {
      this.ws.ping();
    } catch {
      /* closing */
    }
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      this.ws.terminate();
    }
  }

  terminate(): void {
    this.ws.terminate();
  }

  #finish(err: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    // The socket may still emit after an error; keep a listener so nothing is ever unhandled.
    this.ws.on('error', () => {});
    this.emit('close', err);
    this.removeAllListeners();
  }
}
