/**
 * The rooms a person can join, and where a join request goes. It owns the mDNS browser (when the
 * agent browses) and keeps the rooms this agent reached over the swarm, merged into one list by
 * room id (node-agent/discovery/room-list.ts).
 */
import { CamvidError } from '../../protocol/errors.js';
import type { DiscoveredRoom } from '../../protocol/ui.js';
import type { RoomBrowser } from '../discovery/room-browser.js';
import { mergeRooms } from '../discovery/room-list.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import { dialAddress, fetchRoomId, parseAddress } from './join-address.js';

const log = createLogger('agent');
/** How long a join by room name waits for the room to show up on the LAN. */
const ROOM_NAME_WAIT_MS = 6000;

/** Where a join goes: the host's LAN address, or its room on the swarm. */
export type JoinTarget = { roomId: string; address: string; port: number; swarm?: undefined } | { roomId: string; swarm: true };

export interface JoinWhere {
  roomId?: string;
  roomName?: string;
  address?: string;
}

export type RoomDirectoryEvents = { rooms: [rooms: DiscoveredRoom[]] };

export class RoomDirectory extends TypedEmitter<RoomDirectoryEvents> {
  #lan: DiscoveredRoom[] = [];
  /** rooms whose host this agent reached over the swarm, while it searches their topic */
  #swarm: DiscoveredRoom[] = [];
  #rooms: DiscoveredRoom[] = [];
  #closing: Promise<void> | null = null;

  /** `browser`: owned from now on (closed by `close()`); null when the agent does not browse. */
  constructor(
    private readonly browser: RoomBrowser | null,
    private readonly hasSwarm: boolean,
  ) {
    super();
    browser?.on('rooms', (rooms) => {
      this.#lan = rooms;
      this.#publish();
    });
    browser?.on('error', (err) => log.warn('mDNS browsing failed:', err.message));
  }

  get rooms(): DiscoveredRoom[] {
    return this.#rooms;
  }

  /** The room this agent is in over the swarm (one at most), or none. */
  setSwarmRooms(rooms: DiscoveredRoom[]): void {
    if (!rooms.length && !this.#swarm.length) return;
    this.#swarm = rooms;
    this.#publish();
  }

  /**
   * Where to join: an address (asked for its room id), a room on the LAN by id or name, or, for a
   * room id (room code) not seen on the LAN, the swarm when this agent has one. The LAN path wins
   * when both work: it is direct and needs no DHT.
   */
  async resolve(where: JoinWhere, signal?: AbortSignal): Promise<JoinTarget> {
    if (where.address) {
      const { address: typed, port } = parseAddress(where.address);
      const address = await dialAddress(typed);
      const roomId = await fetchRoomId(address, port, signal);
      return { address, port, roomId };
    }
    const match = (r: DiscoveredRoom) => !!r.address && (where.roomId ? r.id === where.roomId : r.name === where.roomName);
    let room = this.#lan.find(match);
    if (!room && where.roomId && this.hasSwarm) return { roomId: where.roomId, swarm: true };
    if (!room && this.browser && where.roomName && !signal?.aborted) room = await this.browser.waitFor(match, ROOM_NAME_WAIT_MS);
    if (!room?.address || !room.port) {
      throw new CamvidError('ROOM_NOT_FOUND', where.roomName ? `No room named "${where.roomName}" was found on this network.` : undefined);
    }
    return { address: room.address, port: room.port, roomId: room.id };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.removeAllListeners();
      await this.browser?.close();
    })();
    return this.#closing;
  }

  #publish(): void {
    this.#rooms = mergeRooms(this.#lan, this.#swarm);
    this.emit('rooms', this.#rooms);
  }
}
