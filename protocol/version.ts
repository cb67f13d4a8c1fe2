/** Wire protocol version: carried in mDNS TXT, the handshake hello and the UI hello. */
export const PROTOCOL_VERSION = 3;
/** DNS-SD service type: `_camvid._tcp`. */
export const SERVICE_TYPE = 'camvid';
/** Default room, as the original app had it; used only when asked to (with a printed warning). */
export const DEFAULT_ROOM_NAME = 'Computer Networks';
export const DEFAULT_ROOM_PASSWORD = 'admin';
/** Limits that every decoder of peer bytes enforces before parsing. */
export const MAX_SIGNAL_FRAME_BYTES = 64 * 1024;
export const MAX_CTL_MESSAGE_BYTES = 64 * 1024;
export const MAX_NAME_LENGTH = 64;
export const MAX_ROOM_NAME_LENGTH = 64;
