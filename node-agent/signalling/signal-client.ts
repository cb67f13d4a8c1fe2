/**
 * The joiner's side of signalling: reach a host (its LAN `/camvid/signal` WebSocket, or any other
 * FrameTransport such as a hyperswarm stream), run the handshake (verifying the host first), and
 * hand back a SecureSession. Every failure is a CamvidError: UNREACHABLE, TIMEOUT, BAD_PASSWORD,
 * THROTTLED, VERSION_MISMATCH, ROOM_NOT_FOUND.
 */
import WebSocket from 'ws';
import { CamvidError, errorFromWire, toCamvidError } from '../../protocol/errors.js';
import { hostHandshake } from '../../protocol/handshake.js';
import { hostMessage, type HostMessage, type MemberMessage } from '../../protocol/session.js';
import { parseJson } from '../../protocol/validate.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import { JoinerHandshakeState } from '../auth/handshake.js';
import type { RoomKey } from '../auth/room-key.js';
import { SealedChannel } from '../auth/sealed-channel.js';
import type { FrameTransport } from './frame-transport.js';
import { SecureSession } from './secure-session.js';
import { SIGNAL_PATH } from './signal-server.js';
import { WsTransport } from './ws-transport.js';

export type MemberSession = SecureSession<MemberMessage, HostMessage>;

/**
 * The host identity a room's joins expect: empty until the first handshake (trust on first use),
 * then every later handshake for the room (reconnects, other ways in) must show the same key.
 */
export interface HostPin {
  hostKey?: string;
}

export interface HandshakeOptions {
  roomId: string;
  roomKey: RoomKey;
  timeoutMs?: number;
  /** shared by every dial of one room; filled by the first handshake */
  pin?: HostPin;
}

export interface ConnectOptions extends HandshakeOptions {
  address: string;
  port: number;
  /** local address to connect from (tests use other 127.x addresses) */
  localAddress?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;

export const formatHostPort = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** Joins a room over the LAN: WebSocket to `address:port`, then the handshake. */
export function connectSession(opts: ConnectOptions): Promise<MemberSession> {
  const where = formatHostPort(opts.address, opts.port);
  return new Promise<FrameTransport>((resolve, reject) => {
    const ws = new WebSocket(`ws://${where}${SIGNAL_PATH}`, {
      maxPayload: MAX_SIGNAL_FRAME_BYTES,
      handshakeTimeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      localAddress: opts.localAddress,
    });
    const onError = (err: NodeJS.ErrnoException) => {
      ws.terminate();
      reject(new CamvidError('UNREACHABLE', `Could not reach ${where}: ${err.code ?? err.message}`));
    };
    ws.on('error', onError);
    ws.on('close', () => reject(new CamvidError('UNREACHABLE', `${where} closed the connection.`)));
    ws.on('open', () => {
      ws.off('error', onError);
      ws.removeAllListeners('close');
      resolve(new WsTransport(ws, opts.address));
    });
  }).then((transport) => joinOver(transport, opts));
}

/**
 * The joiner's handshake over a connected transport: hello → verify the host's challenge (its
 * key confirmation, identity signature and, when `pin` holds one, identity) → proof.
 * Resolves with the session once the proof is sent; if the host refuses the proof, its `error`
 * frame closes the session with that code. The transport is closed on any failure.
 */
export function joinOver(transport: FrameTransport, opts: HandshakeOptions): Promise<MemberSession> {
  return new Promise((resolve, reject) => {
    const state = new JoinerHandshakeState(opts.roomKey, opts.roomId, 'join', opts.pin?.hostKey);
    let settled = false;
    const timer = setTimeout(
      () => fail(new CamvidError('TIMEOUT', `No handshake answer from ${transport.remoteAddress}.`)),
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const fail = (err: CamvidError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      transport.off('frame', onFrame);
      transport.off('close', onClose);
      transport.terminate();
      reject(err);
    };
    const onClose = () => fail(new CamvidError('UNREACHABLE', 'The host closed the connection during the handshake.'));
    const onFrame = (data: Buffer, text: boolean) => {
      try {
        if (!text) throw new CamvidError('BAD_MESSAGE', 'sealed frame before the handshake ended');
        const msg = hostHandshake(parseJson(data.toString('utf8'), MAX_SIGNAL_FRAME_BYTES));
        if (msg.type === 'error') throw errorFromWire(msg);
        const { proof, keys, hostKey } = state.onChallenge(msg);
        if (opts.pin) opts.pin.hostKey ??= hostKey;
        transport.sendText(JSON.stringify(proof));
        // From here on, frames are sealed; the session takes over the transport. If the host refuses
        // the proof it answers with a text `error` frame, which the session treats as a broken stream.
        settled = true;
        clearTimeout(timer);
        transport.off('frame', onFrame);
        transport.off('close', onClose);
        resolve(new SecureSession(transport, new SealedChannel(keys, 'joiner'), hostMessage));
      } catch (err) {
        fail(toCamvidError(err));
      }
    };
    if (transport.closed) return onClose();
    transport.on('frame', onFrame);
    transport.on('close', onClose);
    transport.sendText(JSON.stringify(state.hello()));
  });
}
