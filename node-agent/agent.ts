/**
 * One CAMVID agent: the composition root. It owns the store, discovery, and at most one room at a
 * time (a RoomHost when hosting, a RoomMember when joined), and it is the UI's backend. Closing it
 * closes everything it owns in reverse order.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { RosterEntry } from '../protocol/common.js';
import { ROOM_ID_LENGTH } from '../protocol/common.js';
import { CamvidError, toCamvidError } from '../protocol/errors.js';
import type { SwarmStatus } from '../protocol/swarm.js';
import type { AgentState, DiscoveredRoom, Phase, UiEvent, UiRequest } from '../protocol/ui.js';
import { deriveRoomKey, type RoomKey } from './auth/room-key.js';
import { RoomBrowser } from './discovery/room-browser.js';
import { mergeRooms } from './discovery/room-list.js';
import { RoomPublisher } from './discovery/room-publisher.js';
import { fetchRoomId, parseAddress } from './join-address.js';
import { createLogger } from './log.js';
import type { EdgeTable } from './overlay/edge-table.js';
import { LAN_MTU, type PeerLink } from './overlay/peer-link.js';
import { RoomHost } from './overlay/room-host.js';
import { RoomMember } from './overlay/room-member.js';
import { connectSession, formatHostPort, type MemberSession } from './signalling/signal-client.js';
import { RoomSwarm } from './swarm/room-swarm.js';
import type { SwarmNodeOptions } from './swarm/swarm-node.js';
import { closeFeatures, startFeatures, type Features } from './features.js';
import { Store } from './store/store.js';
import { TypedEmitter } from './typed-emitter.js';
import type { UiBackend, UiSession } from './ui-server/ui-server.js';

const log = createLogger('agent');
export const DEFAULT_FANOUT = 4;
const ROOM_NAME_WAIT_MS = 6000;
const DETACHED_SESSION: UiSession = { id: 0, onClose: () => () => {} };

export interface AgentOptions {
  dataDir: string;
  /** signalling port when hosting; 0 = any free port */
  port: number;
  /** browse and publish rooms over mDNS (off in tests outside network namespaces) */
  mdns: boolean;
  /** address the signalling server listens on; default all interfaces */
  listenHost?: string;
  /** local address for WebRTC candidates (e.g. 127.0.0.1); default all interfaces */
  bindAddress?: string;
  /** ICE servers for WebRTC edges (`stun:host:port`, `turn:user:pass@host:port`) */
  iceServers?: string[];
  /** also announce / search rooms on a HyperDHT (docs/swarm.md); absent = LAN only */
  swarm?: SwarmNodeOptions;
}

export { parseAddress };

export interface HostRequest {
  room: string;
  password: string;
  name: string;
  /** children per member; the root uses it too unless rootFanout is given */
  fanout?: number;
  rootFanout?: number;
}

export interface JoinRequest {
  name: string;
  password: string;
  roomId?: string;
  roomName?: string;
  address?: string;
}

/** A resolved join: the host's LAN address, or its room on the swarm. */
interface JoinTarget {
  roomId: string;
  address?: string;
  port?: number;
  swarm?: true;
}

/** What a feature needs of the room the agent is in. */
export interface RoomContext {
  role: 'host' | 'student';
  roomId: string;
  me: { id: string; name: string };
  /** this agent's tree and direct edges */
  edges: EdgeTable;
  host: RoomHost | null;
  member: RoomMember | null;
}

type AgentEvents = {
  ui: [event: UiEvent];
  /** entering a room (a context) or leaving it (null); features attach and detach here */
  room: [ctx: RoomContext | null];
  /** the swarm's state changed (only with `swarm` in the options) */
  swarm: [status: SwarmStatus];
};

export class Agent extends TypedEmitter<AgentEvents> implements UiBackend {
  #phase: Phase = 'idle';
  #host: RoomHost | null = null;
  #member: RoomMember | null = null;
  #publisher: RoomPublisher | null = null;
  #room: AgentState['room'] = null;
  #me: AgentState['me'] = null;
  #lastError: AgentState['lastError'] = null;
  #rooms: DiscoveredRoom[] = [];
  #lanRooms: DiscoveredRoom[] = [];
  /** rooms whose host this agent reached over the swarm, while it searches their topic */
  #swarmRooms: DiscoveredRoom[] = [];
  /** the swarm, when started with `swarm` options (never awaited: it must not delay startup) */
  readonly swarm: RoomSwarm | null;
  #roster: RosterEntry[] = [];
  #closing: Promise<void> | null = null;
  #context: RoomContext | null = null;
  /** feature services (chat, …), created in start() */
  features!: Features;
  readonly #uiHandlers = new Map<string, (req: UiRequest, session: UiSession) => Promise<unknown>>();

  private constructor(
    readonly opts: AgentOptions,
    readonly store: Store,
    readonly peerId: string,
    readonly browser: RoomBrowser | null,
  ) {
    super();
    browser?.on('rooms', (rooms) => {
      this.#lanRooms = rooms;
      this.#publishRooms();
    });
    this.swarm = opts.swarm ? new RoomSwarm(opts.swarm) : null;
    this.swarm?.on('status', (status) => {
      this.emit('swarm', status);
      this.#emitState();
    });
    browser?.on('error', (err) => log.warn('mDNS browsing failed:', err.message));
    this.onUiRequest('host', async (req) => {
      await this.host({ room: req.room, password: req.password, name: req.name, fanout: req.fanout });
    });
    this.onUiRequest('join', async (req) => {
      await this.join(req);
    });
    this.onUiRequest('leave', () => this.leave());
  }

  static async start(opts: AgentOptions): Promise<Agent> {
    const store = await Store.open(opts.dataDir);
    try {
      const peerId = await store.peerId();
      const browser = opts.mdns ? new RoomBrowser() : null;
      const agent = new Agent(opts, store, peerId, browser);
      agent.features = startFeatures(agent);
      return agent;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  get phase(): Phase {
    return this.#phase;
  }
  /** The room this agent is in, for features. */
  get room(): RoomContext | null {
    return this.#context;
  }
  get roomHost(): RoomHost | null {
    return this.#host;
  }
  get roomMember(): RoomMember | null {
    return this.#member;
  }

  state(): AgentState {
    return {
      phase: this.#phase,
      me: this.#me,
      room: this.#room,
      joinAddresses: this.joinAddresses(),
      lastError: this.#lastError,
      ...(this.swarm ? { swarm: this.swarm.status() } : {}),
    };
  }

  /** Where students can reach this host when multicast is blocked. */
  joinAddresses(): string[] {
    if (!this.#host) return [];
    const port = this.#host.server.port;
    if (this.opts.listenHost && this.opts.listenHost !== '0.0.0.0') return [formatHostPort(this.opts.listenHost, port)];
    const out: string[] = [];
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(formatHostPort(a.address, port));
    }
    return out.length ? out : [formatHostPort('127.0.0.1', port)];
  }

  async host(req: HostRequest): Promise<RoomHost> {
    this.#assertIdle();
    const roomId = randomBytes(ROOM_ID_LENGTH / 2).toString('hex');
    const roomKey = await deriveRoomKey(req.password, roomId);
    const fanout = req.fanout ?? DEFAULT_FANOUT;
    const host = new RoomHost({
      roomId,
      roomName: req.room,
      roomKey,
      hostId: this.peerId,
      hostName: req.name,
      port: this.opts.port,
      listenHost: this.opts.listenHost,
      rootFanout: req.rootFanout ?? fanout,
      fanout,
      bindAddress: this.opts.bindAddress,
      iceServers: this.opts.iceServers,
      mtu: this.swarm ? undefined : LAN_MTU,
    });
    try {
      await host.listen();
    } catch (err) {
      await host.close();
      throw new CamvidError('UNREACHABLE', `Cannot listen on port ${this.opts.port}: ${(err as Error).message}`);
    }
    this.#host = host;
    host.on('roster', (members) => this.#setRoster(members));
    this.swarm?.announce(roomId, roomKey, host.server);
    if (this.opts.mdns) {
      this.#publisher = new RoomPublisher({ room: { id: roomId, name: req.room, hostName: req.name, port: host.server.port } });
      this.#publisher.on('error', (err) => log.warn('mDNS publishing failed:', err.message));
    }
    this.#me = { id: this.peerId, name: req.name };
    this.#room = { id: roomId, name: req.room, hostName: req.name };
    this.#setRoster(host.roster());
    this.#setPhase('hosting');
    this.#context = { role: 'host', roomId, me: this.#me, edges: host.edges, host, member: null };
    this.emit('room', this.#context);
    return host;
  }

  async join(req: JoinRequest): Promise<RoomMember> {
    this.#assertIdle();
    this.#setPhase('joining');
    try {
      const target = await this.#resolveTarget(req);
      const roomKey = await deriveRoomKey(req.password, target.roomId);
      const member = new RoomMember({
        roomId: target.roomId,
        dial: this.#dialer(target, roomKey),
        roomKey,
        peerId: this.peerId,
        name: req.name,
        bindAddress: this.opts.bindAddress,
        iceServers: this.opts.iceServers,
        mtu: target.swarm || this.swarm ? undefined : LAN_MTU,
      });
      this.#member = member;
      member.on('roster', (members) => this.#setRoster(members));
      member.on('state', (s) => this.#setPhase(s === 'joined' ? 'joined' : s === 'reconnecting' ? 'reconnecting' : 'joining'));
      member.on('error', (err) => {
        this.#lastError = { code: err.code, message: err.message };
        void this.leave();
      });
      const info = await member.start().catch((err) => {
        member.close();
        throw err;
      });
      this.#me = { id: this.peerId, name: req.name };
      this.#room = { id: info.roomId, name: info.roomName, hostName: info.hostName };
      if (target.swarm) this.#swarmRooms = [{ id: info.roomId, name: info.roomName, hostName: info.hostName }];
      this.#publishRooms();
      this.#lastError = null;
      this.#emitState();
      this.#context = { role: 'student', roomId: info.roomId, me: this.#me, edges: member.edges, host: null, member };
      this.emit('room', this.#context);
      return member;
    } catch (err) {
      this.#member = null;
      this.swarm?.stop();
      const e = toCamvidError(err, 'UNREACHABLE');
      this.#lastError = { code: e.code, message: e.message };
      this.#setPhase('idle');
      throw e;
    }
  }

  /** A direct edge to another member of the room (labs); resolves once its channels are open. */
  connectDirect(peerId: string): Promise<PeerLink> {
    if (this.#host) return this.#host.connectDirect(peerId);
    if (this.#member) return this.#member.connectDirect(peerId);
    return Promise.reject(new CamvidError('NOT_IN_ROOM'));
  }

  /** This agent's edges (tree and direct), while in a room. */
  get edges(): EdgeTable | null {
    return this.#host?.edges ?? this.#member?.edges ?? null;
  }

  async leave(): Promise<void> {
    const publisher = this.#publisher;
    const host = this.#host;
    if (this.#context) {
      this.#context = null;
      this.emit('room', null);
    }
    this.#member?.close();
    this.#member = null;
    this.#host = null;
    this.#publisher = null;
    this.#room = null;
    this.swarm?.stop();
    if (this.#swarmRooms.length) {
      this.#swarmRooms = [];
      this.#publishRooms();
    }
    this.#setRoster([]);
    this.#setPhase('idle');
    await publisher?.close();
    await host?.close();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.leave();
      await closeFeatures(this.features);
      await this.swarm?.close();
      await this.browser?.close();
      await this.store.close();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  // UiBackend
  snapshot() {
    return { state: this.state(), rooms: this.#rooms, roster: this.#roster };
  }

  subscribe(listener: (ev: UiEvent) => void): () => void {
    return this.on('ui', listener);
  }

  /** `session` defaults to one that never closes (in-process callers, tests). */
  async handle(req: UiRequest, session: UiSession = DETACHED_SESSION): Promise<unknown> {
    const handler = this.#uiHandlers.get(req.type);
    if (!handler) throw new CamvidError('BAD_MESSAGE', `no handler for ${req.type}`);
    return handler(req, session);
  }

  /**
   * Features answer their own UI requests: `agent.onUiRequest('chat-send', (req) => …)`. `session`
   * is the asking page, for what must close when that page goes away.
   */
  onUiRequest<K extends UiRequest['type']>(
    type: K,
    handler: (req: Extract<UiRequest, { type: K }>, session: UiSession) => Promise<unknown>,
  ): void {
    this.#uiHandlers.set(type, handler as (req: UiRequest, session: UiSession) => Promise<unknown>);
  }

  /** Pushes a feature event to every connected UI. */
  pushUi(event: UiEvent): void {
    this.emit('ui', event);
  }

  /**
   * Where to join: an address (asked for its room id), a room on the LAN by id or name, or, for a
   * room id (room code) not seen on the LAN, the swarm when this agent has one. The LAN path wins
   * when both work: it is direct and needs no DHT.
   */
  async #resolveTarget(req: JoinRequest): Promise<JoinTarget> {
    if (req.address) {
      const { address, port } = parseAddress(req.address);
      const roomId = await fetchRoomId(address, port);
      return { address, port, roomId };
    }
    const match = (r: DiscoveredRoom) => !!r.address && (req.roomId ? r.id === req.roomId : r.name === req.roomName);
    let room = this.#lanRooms.find(match);
    if (!room && req.roomId && this.swarm) return { roomId: req.roomId, swarm: true };
    if (!room && this.browser && req.roomName) room = await this.browser.waitFor(match, ROOM_NAME_WAIT_MS);
    if (!room?.address || !room.port) {
      throw new CamvidError('ROOM_NOT_FOUND', req.roomName ? `No room named "${req.roomName}" was found on this network.` : undefined);
    }
    return { address: room.address, port: room.port, roomId: room.id };
  }

  /** How the member reaches its host, at first and after every lost session. */
  #dialer(target: JoinTarget, roomKey: RoomKey): () => Promise<MemberSession> {
    if (target.swarm) {
      const dialer = this.swarm!.search(target.roomId, roomKey);
      return () => dialer.dial();
    }
    const { address, port, roomId } = target as Required<Omit<JoinTarget, 'swarm'>>;
    return () => connectSession({ address, port, roomId, roomKey });
  }

  #publishRooms(): void {
    this.#rooms = mergeRooms(this.#lanRooms, this.#swarmRooms);
    this.emit('ui', { type: 'rooms', rooms: this.#rooms });
  }

  #assertIdle(): void {
    if (this.#closing) throw new CamvidError('CLOSED', 'The agent is shutting down.');
    if (this.#phase !== 'idle') throw new CamvidError('ALREADY_IN_ROOM');
  }

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    this.#emitState();
  }

  #setRoster(members: RosterEntry[]): void {
    this.#roster = members;
    this.emit('ui', { type: 'roster', members });
  }

  #emitState(): void {
    this.emit('ui', { type: 'state', state: this.state() });
  }
}
