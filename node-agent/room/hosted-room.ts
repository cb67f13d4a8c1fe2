/**
 * A room this agent hosts, as one owned object: the RoomHost (signalling listener, member
 * sessions, tree), the mDNS publication, the swarm announcement, and the abort scope features
 * tie their room state to. `close()` undoes all of it, in reverse order of opening.
 */
import { randomBytes } from 'node:crypto';
import type { RosterEntry } from '../../protocol/common.js';
import { ROOM_ID_LENGTH } from '../../protocol/common.js';
import { CamvidError } from '../../protocol/errors.js';
import { deriveRoomKey, exportRoomKey, importRoomKey, type RoomKey } from '../auth/room-key.js';
import { RoomPublisher } from '../discovery/room-publisher.js';
import type { RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import { openDirect } from '../overlay/direct-connect.js';
import { HostIdentity } from '../overlay/host-identity.js';
import { RoomHost } from '../overlay/room-host.js';
import type { RoomSwarm } from '../swarm/room-swarm.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { RoomRecord } from './room-record.js';
import { closeInOrder, throwIfAborted } from './scope.js';

const log = createLogger('agent');

export interface HostRequest {
  room: string;
  password: string;
  name: string;
  /** children per member; the root uses it too unless rootFanout is given */
  fanout: number;
  rootFanout?: number;
  /** students admitted at once (RoomHost's default when absent) */
  maxMembers?: number;
  /** how long a student's tree edge may take to report (RoomHost's ATTACH_TIMEOUT_MS when absent) */
  attachTimeoutMs?: number;
}

export interface HostedRoomOptions {
  peerId: string;
  /** signalling port; 0 = any free port */
  port: number;
  listenHost?: string;
  bindAddress?: string;
  iceServers?: string[];
  mtu?: number;
  /** publish the room over mDNS */
  mdns: boolean;
  /** announce the room on the swarm too (the agent's; this room only starts and stops its topic) */
  swarm: RoomSwarm | null;
}

export type HostedRoomEvents = { roster: [members: RosterEntry[]] };

export class HostedRoom extends TypedEmitter<HostedRoomEvents> {
  readonly ctx: RoomContext;
  readonly info: { id: string; name: string; hostName: string };
  readonly #abort = new AbortController();
  #closing: Promise<void> | null = null;

  private constructor(
    readonly host: RoomHost,
    private readonly publisher: RoomPublisher | null,
    private readonly swarm: RoomSwarm | null,
    roomId: string,
    private readonly req: HostRequest,
    peerId: string,
    private readonly roomKey: RoomKey,
  ) {
    super();
    this.info = { id: roomId, name: req.room, hostName: req.name };
    this.ctx = {
      role: 'host',
      roomId,
      me: { id: peerId, name: req.name },
      edges: host.edges,
      host,
      member: null,
      signal: this.#abort.signal,
      connectDirect: (peer) => openDirect(host.edges, peer, () => host.connectDirect(peer)),
    };
    host.on('roster', (members) => this.emit('roster', members));
    publisher?.on('error', (err) => log.warn('mDNS publishing failed:', err.message));
  }

  /**
   * Derives the room key, listens, publishes and announces. When `signal` aborts first (the agent
   * left or closed meanwhile), whatever was opened is closed and it rejects with CLOSED.
   */
  static async open(req: HostRequest, opts: HostedRoomOptions, signal: AbortSignal): Promise<HostedRoom> {
    const roomId = randomBytes(ROOM_ID_LENGTH / 2).toString('hex');
    const roomKey = await deriveRoomKey(req.password, roomId);
    throwIfAborted(signal);
    return HostedRoom.#listen(roomId, roomKey, new HostIdentity(), req, opts, signal);
  }

  /**
   * The room of `record` again: same id, key, identity and signalling port, so students' agents,
   * which keep dialling it, come back by themselves. Rejects with UNREACHABLE when the port is taken.
   */
  static resume(record: RoomRecord, opts: HostedRoomOptions, signal: AbortSignal): Promise<HostedRoom> {
    const req: HostRequest = { room: record.name, name: record.hostName, password: '', fanout: record.fanout, rootFanout: record.rootFanout, maxMembers: record.maxMembers };
    const identity = new HostIdentity(record.identity);
    return HostedRoom.#listen(record.roomId, importRoomKey(record.roomKey), identity, req, { ...opts, port: record.port }, signal);
  }

  static async #listen(roomId: string, roomKey: RoomKey, identity: HostIdentity, req: HostRequest, opts: HostedRoomOptions, signal: AbortSignal): Promise<HostedRoom> {
    const host = new RoomHost({
      roomId,
      roomName: req.room,
      roomKey,
      hostId: opts.peerId,
      hostName: req.name,
      port: opts.port,
      listenHost: opts.listenHost,
      rootFanout: req.rootFanout ?? req.fanout,
      fanout: req.fanout,
      bindAddress: opts.bindAddress,
      iceServers: opts.iceServers,
      mtu: opts.mtu,
      identity,
      maxMembers: req.maxMembers,
      attachTimeoutMs: req.attachTimeoutMs,
    });
    try {
      await host.listen();
    } catch (err) {
      await host.close();
      throw new CamvidError('UNREACHABLE', `Cannot listen on port ${opts.port}: ${(err as Error).message}`);
    }
    if (signal.aborted) {
      await host.close();
      throwIfAborted(signal);
    }
    const publisher = opts.mdns ? new RoomPublisher({ room: { id: roomId, name: req.room, hostName: req.name, port: host.server.port } }) : null;
    opts.swarm?.announce(roomId, host.server);
    return new HostedRoom(host, publisher, opts.swarm, roomId, req, opts.peerId, roomKey);
  }

  roster(): RosterEntry[] {
    return this.host.roster();
  }

  /** What `resume` needs to open this room again (secret: the caller keeps it 0600). */
  record(): RoomRecord {
    return {
      roomId: this.info.id,
      name: this.info.name,
      hostName: this.info.hostName,
      fanout: this.req.fanout,
      rootFanout: this.req.rootFanout,
      maxMembers: this.req.maxMembers,
      port: this.host.server.port,
      roomKey: exportRoomKey(this.roomKey),
      identity: this.host.identity.export(),
    };
  }

  /** Leaves: features detach (the signal), then the swarm topic, mDNS goodbye, the listener. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      this.removeAllListeners();
      await closeInOrder(log, [
        ['swarm topic', () => this.swarm?.stop()],
        ['mDNS publication', () => this.publisher?.close()],
        ['room host', () => this.host.close()],
      ]);
    })();
    return this.#closing;
  }
}
