/**
 * Liveness probe of a room host. A browse result is only worth showing while the host's signalling
 * port answers: mDNS alone keeps a `kill -9`ed host (which never sent a goodbye) for hours.
 * The host's signalling server answers `GET /camvid/ping` with `pingResponse(roomId)`; the check
 * of the room id makes a port that some other program reuses, or a stale address, count as dead.
 */
import http from 'node:http';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

export const PING_PATH = '/camvid/ping';
export const PING_CONTENT_TYPE = 'application/json';
/** Generous for a LAN round trip, yet two failed probes still fit in the 5 s vanish budget. */
export const DEFAULT_PROBE_TIMEOUT_MS = 700;
/** The answer is ~40 bytes; anything much longer is not ours and is not read further. */
const MAX_PING_BODY_BYTES = 1024;

/** The JSON body that the signalling server serves at PING_PATH with status 200. */
export function pingResponse(roomId: string): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, roomId });
}

/**
 * Resolves true when `http://address:port/camvid/ping` answers 200 with `{"v":<PROTOCOL_VERSION>,"roomId":roomId}`
 * within `timeoutMs`; false on anything else (refused, timeout, other status, other body). Never
 * rejects. Each probe uses a fresh connection (no keep-alive), so it tests that the host still
 * accepts connections rather than that an old socket is still open.
 */
export function probeRoom(
  address: string,
  port: number,
  roomId: string,
  timeoutMs: number = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    try {
      req = http.request({
        host: address,
        port,
        path: PING_PATH,
        method: 'GET',
        agent: false,
        headers: { accept: PING_CONTENT_TYPE, connection: 'close' },
      });
    } catch {
      // Invalid address or port: http.request throws synchronously.
      finish(false);
      return;
    }
    req.on('error', () => finish(false));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(false);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_PING_BODY_BYTES) finish(false);
        else chunks.push(chunk);
      });
      res.on('error', () => finish(false));
      // 'close' without 'end': the host hung up mid-body.
      res.on('close', () => finish(false));
      res.on('end', () => finish(isPingFor(Buffer.concat(chunks).toString('utf8'), roomId)));
    });
    req.end();
  });
}

function isPingFor(body: string, roomId: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return false;
    const p = parsed as Record<string, unknown>;
    return p.v === PROTOCOL_VERSION && p.roomId === roomId;
  } catch {
    return false;
  }
}
