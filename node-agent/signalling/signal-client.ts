/**
 * The joiner's side of signalling: connect to a host's `/camvid/signal`, run the handshake
 * (verifying the host first), and hand back a SecureSession. Every failure is a CamvidError:
 * UNREACHABLE, TIMEOUT, BAD_PASSWORD, THROTTLED, VERSION_MISMATCH, ROOM_NOT_FOUND.
 */
import WebSocket from 'ws';
import { CamvidError, toCamvidError } from '../../protocol/errors.js';
import { hostHandshake } from '../../protocol/handshake.js';
import { hostMessage, type HostMessage, type MemberMessage } from '../../protocol/session.js';
import { parseJson } from '../../protocol/validate.js';
import { MAX_SIGNAL_FRAME_BYTES } from '../../protocol/version.js';
import { JoinerHandshakeState } from '../auth/handshake.js';
import type { RoomKey } from '../auth/room-key.js';
import { SealedChannel } from '../auth/sealed-channel.js';
import { SecureSession } from './secure-session.js';
import { SIGNAL_PATH } from './signal-server.js';

export type MemberSession = SecureSession<MemberMessage, HostMessage>;

export interface ConnectOptions {
  address: string;
  port: number;
  roomId: string;
  roomKey: RoomKey;
  timeoutMs?: number;
  /** local address to connect from (tests use other 127.x addresses) */
  localAddress?: string;
}

export const formatHostPort = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

export function connectSession(opts: ConnectOptions): Promise<MemberSession> {
  return new Promise((resolve, reject) => {
    const url = `ws://${formatHostPort(opts.address, opts.port)}${SIGNAL_PATH}`;
    const ws = new WebSocket(url, {
      maxPayload: MAX_SIGNAL_FRAME_BYTES,
      handshakeTimeout: opts.timeoutMs ?? 5000,
      localAddress: opts.localAddress,
    });
    const state = new JoinerHandshakeState(opts.roomKey, opts.roomId);
    let settled = false;
    const timer = setTimeout(() => fail(new CamvidError('TIMEOUT', `No answer from ${url}.`)), opts.timeoutMs ?? 5000);
    const fail = (err: CamvidError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('error', (err: NodeJS.ErrnoException) =>
      fail(new CamvidError('UNREACHABLE', `Could not reach ${formatHostPort(opts.address, opts.port)}: ${err.code ?? err.message}`)),
    );
    ws.on('close', () => fail(new CamvidError('UNREACHABLE', 'The host closed the connection during the handshake.')));
    ws.on('open', () => ws.send(JSON.stringify(state.hello())));
    const onMessage = (data: Buffer, isBinary: boolean) => {
      try {
        if (isBinary) throw new CamvidError('BAD_MESSAGE', 'sealed frame before the handshake ended');
        const msg = hostHandshake(parseJson(data.toString('utf8'), MAX_SIGNAL_FRAME_BYTES));
        if (msg.type === 'error') throw new CamvidError(msg.code, msg.message);
        const { proof, keys } = state.onChallenge(msg);
        ws.send(JSON.stringify(proof));
        // From here on, frames are sealed; the session takes over the socket. If the host refuses
        // the proof it answers with a text `error` frame, which the session treats as a broken stream.
        ws.off('message', onMessage);
        ws.removeAllListeners('close');
        ws.removeAllListeners('error');
        settled = true;
        clearTimeout(timer);
        resolve(new SecureSession(ws, new SealedChannel(keys, 'joiner'), hostMessage, opts.address));
      } catch (err) {
        fail(toCamvidError(err));
      }
    };
    ws.on('message', onMessage);
  });
}
