/**
 * mDNS TXT record of a room. Never carries a password or key. Anything on the LAN can send TXT
 * records, so `parseRoomTxt` treats them as hostile: it returns null for anything malformed.
 */
import { roomId, roomName, displayName } from './common.js';
import { PROTOCOL_VERSION } from './version.js';

export interface RoomTxt {
  /** protocol version */
  v: number;
  /** room id (16 hex) */
  id: string;
  room: string;
  host: string;
  /** signalling port */
  port: number;
}

export function encodeRoomTxt(txt: Omit<RoomTxt, 'v'>): Record<string, string> {
  return { v: String(PROTOCOL_VERSION), id: txt.id, room: txt.room, host: txt.host, port: String(txt.port) };
}

const asText = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
};

/** Returns the room's TXT, or null when the record is garbage or of another version. */
export function parseRoomTxt(raw: unknown): RoomTxt | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  // Digits only: Number() would also take "0x1F90", "8e3" or " 1 ".
  const digits = (x: unknown) => (/^\d{1,5}$/.test(asText(x) ?? '') ? Number(asText(x)) : NaN);
  const v = digits(r.v);
  const port = digits(r.port);
  if (v !== PROTOCOL_VERSION || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  try {
    return {
      v,
      id: roomId(asText(r.id)),
      room: roomName(asText(r.room)),
      host: displayName(asText(r.host)),
      port,
    };
  } catch {
    return null;
  }
}
