/**
 * A room this agent joined as a student, as one owned object: the RoomMember (session with the
 * host, tree and direct edges), the swarm search when the room was found there, and the abort
 * scope features tie their room state to.
 */
import type { RosterEntry } from '../../protocol/common.js';
import { CamvidError } from '../../protocol/errors.js';
import type { AgentIdentity } from '../auth/agent-identity.js';
import { deriveRoomKey } from '../auth/room-key.js';
import type { RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import { openDirect } from '../overlay/direct-connect.js';
import { RoomMember, type MemberState } from '../overlay/room-member.js';
import { connectSession, type HostPin, type MemberSession } from '../signalling/signal-client.js';
import type { RoomSwarm } from '../swarm/room-swarm.js';
import { TypedEmitter } from '../typed-emitter.js';
import type { JoinTarget } from './room-directory.js';
import { closeInOrder, throwIfAborted } from './scope.js';

const log = createLogger('agent');

export interface JoinedRoomOptions {
  identity: AgentIdentity;
  /** the display name asked for (the host may make it unique: ctx.me.name is the one it gave) */
  name: string;
  password: string;
  bindAddress?: string;
  iceServers?: string[];
  mtu?: number;
  /** the agent's swarm: searched for a room found there (this room only starts and stops it) */
  swarm: RoomSwarm | null;
  /**
   * Where the LAN lists room `roomId` now (mDNS), if it does: a host that came back on another
   * address (a new DHCP lease, another network) is dialled there. Its identity is pinned, so a
   * room announced under the same id by anyone else is refused by the handshake.
   */
  locate?: (roomId: string) => { address: string; port: number } | null;
}

export type JoinedRoomEvents = {
  roster: [members: RosterEntry[]];
  state: [state: MemberState];
  /** the room ended for this member (removed, the room closed): the agent leaves */
  error: [err: CamvidError];
};

export class JoinedRoom extends TypedEmitter<JoinedRoomEvents> {
  readonly ctx: RoomContext;
  readonly info: { id: string; name: string; hostName: string };
  readonly #abort = new AbortController();
  #roster: RosterEntry[] = [];
  #closing: Promise<void> | null = null;

  private constructor(
    readonly member: RoomMember,
    readonly viaSwarm: boolean,
    private readonly swarm: RoomSwarm | null,
  ) {
    super();
    const info = member.info!;
    this.info = { id: info.roomId, name: info.roomName, hostName: info.hostName };
    this.ctx = {
      role: 'student',
      roomId: info.roomId,
      me: { id: member.peerId, name: info.name },
      edges: member.edges,
      host: null,
      member,
      signal: this.#abort.signal,
      connectDirect: (peer) => openDirect(member.edges, peer, () => member.connectDirect(peer)),
    };
  }

  /**
   * Derives the room key and joins `target`. `onState` sees the member's states from the start
   * (joining, reconnecting on a transient failure). When `signal` aborts first, the member is
   * closed and it rejects with CLOSED.
   */
  static async open(target: JoinTarget, opts: JoinedRoomOptions, signal: AbortSignal, onState: (s: MemberState) => void): Promise<JoinedRoom> {
    const roomKey = await deriveRoomKey(opts.password, target.roomId);
    throwIfAborted(signal);
    // Every reconnect must reach the host the first handshake reached (its identity key).
    const pin: HostPin = {};
    let dial: () => Promise<MemberSession>;
    if (target.swarm) {
      if (!opts.swarm) throw new CamvidError('ROOM_NOT_FOUND', 'This agent runs without the swarm.');
      const dialer = opts.swarm.search(target.roomId, roomKey, pin);
      dial = () => dialer.dial();
    } else {
      const { roomId } = target;
      /** where the host last proved itself (the password and its pinned identity) */
      let good = { address: target.address, port: target.port };
      dial = async () => {
        const listed = opts.locate?.(roomId);
        if (listed && (listed.address !== good.address || listed.port !== good.port)) {
          // Listed elsewhere now: go there, but only a host that proves itself moves us. Anyone on
          // the LAN can announce this room id; a failure there is never final (a wrong password
          // would end the retries), and the address that worked is tried as before.
          try {
            const session = await connectSession({ ...listed, roomId, roomKey, pin });
            log.info(`room ${roomId} is back at ${listed.address}:${listed.port} (was ${good.address}:${good.port})`);
            good = listed;
            return session;
          } catch (err) {
            log.debug(`room ${roomId} listed at ${listed.address}:${listed.port} did not prove itself:`, (err as Error).message);
          }
        }
        return connectSession({ ...good, roomId, roomKey, pin });
      };
    }
    const member = new RoomMember({
      roomId: target.roomId,
      dial,
      roomKey,
      identity: opts.identity,
      name: opts.name,
      bindAddress: opts.bindAddress,
      iceServers: opts.iceServers,
      mtu: opts.mtu,
    });
    // Buffered until the room exists: the first roster can come with the welcome.
    let early: RosterEntry[] = [];
    const offEarly = member.on('roster', (members) => (early = members));
    const offState = member.on('state', onState);
    const stop = () => member.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await member.start();
      throwIfAborted(signal);
    } catch (err) {
      member.close();
      if (target.swarm) opts.swarm?.stop();
      throw signal.aborted ? new CamvidError('CLOSED', 'Left the room before it was ready.') : err;
    } finally {
      signal.removeEventListener('abort', stop);
      offEarly();
    }
    const room = new JoinedRoom(member, !!target.swarm, target.swarm ? opts.swarm : null);
    room.#roster = early;
    offState();
    member.on('roster', (members) => {
      room.#roster = members;
      room.emit('roster', members);
    });
    member.on('state', (s) => room.emit('state', s));
    member.on('error', (err) => room.emit('error', err));
    return room;
  }

  roster(): RosterEntry[] {
    return this.#roster;
  }

  /** Leaves: features detach (the signal), then the session and edges, then the swarm search. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      this.removeAllListeners();
      await closeInOrder(log, [
        ['room member', () => this.member.close()],
        ['swarm search', () => this.swarm?.stop()],
      ]);
    })();
    return this.#closing;
  }
}
