/**
 * What the handshake and a SecureSession need of a connection: whole frames, each either text
 * (the JSON handshake) or binary (sealed frames), a liveness ping, and close. The LAN WebSocket
 * (WsTransport) and a hyperswarm stream (StreamTransport, length-prefixed frames) both provide it,
 * so the password handshake and the signalling exist once for every way a peer reaches us.
 */
import type { TypedEmitter } from '../typed-emitter.js';

export type FrameTransportEvents = {
  /** one whole frame; `text` tells a handshake frame from a sealed one */
  frame: [data: Buffer, text: boolean];
  /** the answer to our ping */
  pong: [];
  /** the connection is gone; `err` when it broke rather than closed */
  close: [err: Error | null];
};

export interface FrameTransport extends Pick<TypedEmitter<FrameTransportEvents>, 'on' | 'off'> {
  /** where the peer is, for logs and the per-address failure throttle */
  readonly remoteAddress: string;
  readonly closed: boolean;
  sendText(text: string): void;
  sendBinary(data: Uint8Array): void;
  ping(): void;
  /** a polite close (flushes what was sent) */
  close(): void;
  /** drop the connection now */
  terminate(): void;
}
