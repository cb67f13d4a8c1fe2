/**
 * Rooms beyond one LAN (hyperswarm): what the UI and `--events` see of the swarm, and the room code
 * a host hands out. A student needs the code (the room id) and the password: the topic is derived
 * from both (docs/swarm.md), so neither alone finds the room.
 */
import { CamvidError } from './errors.js';
import { ROOM_ID_LENGTH } from './common.js';

/** The DHT itself: bootstrapping, ready (has a routing table), or no bootstrap node answered. */
export type DhtState = 'bootstrapping' | 'ready' | 'unreachable';

/**
 * The room on the swarm. Host: `announcing` until the DHT stored the announcement, then
 * `announced`, `connected` while ≥ 1 student is connected over the swarm. Student: `searching` for
 * the topic, `found` a peer on it (handshake under way), `connected` (authenticated session).
 */
export type SwarmRoomState = 'announcing' | 'announced' | 'searching' | 'found' | 'connected';

export interface SwarmStatus {
  dht: DhtState;
  /** the bootstrap nodes, as given (`host:port`) */
  bootstrap: string[];
  /** nodes in the DHT routing table */
  nodes: number;
  room: { roomId: string; role: 'host' | 'student'; state: SwarmRoomState; peers: number } | null;
  /** one sentence for people: what is happening, and what still works */
  message: string;
}

/** `0123-4567-89ab-cdef`: the room id in groups of four, easier to read out to a class. */
export function formatRoomCode(roomId: string): string {
  return roomId.match(/.{1,4}/g)!.join('-');
}

/** Accepts the code with or without dashes and spaces, any case; throws BAD_MESSAGE otherwise. */
export function parseRoomCode(text: string): string {
  const id = text.replace(/[\s-]/g, '').toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${ROOM_ID_LENGTH}}$`).test(id)) {
    throw new CamvidError('BAD_MESSAGE', `"${text}" is not a room code: expected ${ROOM_ID_LENGTH} hex digits, e.g. ${formatRoomCode('0123456789abcdef')}`);
  }
  return id;
}
