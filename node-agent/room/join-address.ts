/**
 * `host:port` addresses typed by people (join by address, `--bootstrap`), and asking a host at one
 * for its room id (join by address knows only host:port).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CamvidError } from '../../protocol/errors.js';
import { PING_PATH } from '../discovery/probe.js';
import { formatHostPort } from '../signalling/signal-client.js';

/** Parses `host:port` or `[v6]:port`. */
export function parseAddress(text: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:\s]+):(\d+)$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CamvidError('BAD_MESSAGE', `"${text}" is not an address: expected host:port, e.g. 192.168.1.10:7700`);
  }
  return { address: m[1]!, port };
}

/**
 * The address to dial for a typed host: an IP literal or a `.local` name as it is, any other name
 * looked up here (IPv4 first, as on the LAN). A host's signalling port accepts no other `Host`
 * header (node-agent/signalling/signal-server.ts), which keeps DNS-rebinding pages out.
 */
export async function dialAddress(host: string): Promise<string> {
  if (isIP(host) || /\.local\.?$/i.test(host)) return host;
  try {
    const all = await lookup(host, { all: true });
    const pick = all.find((a) => a.family === 4) ?? all[0];
    if (pick) return pick.address;
  } catch {
    /* said below */
  }
  throw new CamvidError('UNREACHABLE', `Could not find "${host}" on this network; try its IP address.`);
}

/** Asks a host for its room id; a busy host gets three tries. `signal` gives up at once. */
export async function fetchRoomId(address: string, port: number, signal?: AbortSignal): Promise<string> {
  const where = formatHostPort(address, port);
  const url = `http://${where}${PING_PATH}`;
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const timeout = AbortSignal.timeout(5000);
      const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      const body = (await res.json()) as { roomId?: unknown };
      if (typeof body.roomId === 'string' && /^[0-9a-f]{16}$/.test(body.roomId)) return body.roomId;
      throw new CamvidError('UNREACHABLE', `${where} is not a CAMVID room.`);
    } catch (err) {
      if (err instanceof CamvidError) throw err;
      if (signal?.aborted) throw new CamvidError('CLOSED', 'Left the room before it was ready.');
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      lastError = cause ?? (err as Error).message;
      // Nothing listens there: say so at once; only a slow or busy host is worth another try.
      if (cause === 'ECONNREFUSED') break;
      if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * attempt)); // (an abort is seen by the next fetch)
    }
  }
  throw new CamvidError('UNREACHABLE', `No CAMVID room answers at ${where} (${lastError}).`);
}
