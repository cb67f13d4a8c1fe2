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
import type { AgentState, DiscoveredRoom, Phase, UiEvent, UiRequest } from '../protocol/ui.js';
import { deriveRoomKey } from './auth/room-key.js';
import { PING_PATH } from './discovery/probe.js';
import { RoomBrowser } from './discovery/room-browser.js';
import { RoomPublisher } from './discovery/room-publisher.js';
import { createLogger } from './log.js';
import type { EdgeTable } from './overlay/edge-table.js';
import type { PeerLink } from './overlay/peer-link.js';
import { RoomHost } from './overlay/room-host.js';
import { RoomMember } from './overlay/room-member.js';
import { formatHostPort } from './signalling/signal-client.js';
import { closeFeatures, startFeatures, type Features } from './features.js';
import { Store } from './store/store.js';
import { TypedEmitter } from './typed-emitter.js';
import type { UiBackend } from './ui-server/ui-server.js';

const log = createLogger('agent');
export const DEFAULT_FANOUT = 4;
const ROOM_NAME_WAIT_MS = 6000;

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
  iceServers?: string[];
}

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
};

/** Parses `host:port` or `[v6]:port`. */
export function parseAddress(text: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:\s]+):(\d+)$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CamvidError('BAD_MESSAGE', `"${text}" is not an address: expected host:port, e.g. 192.168.1.10:7700`);
  }
  return { address: m[1]!, port };
}

export class Agent extends TypedEmitter<AgentEvents> implements UiBackend {
  #phase: Phase = 'idle';
  #host: RoomHost | null = null;
  #member: RoomMember | null = null;
  #publisher: RoomPublisher | null = null;
  #room: AgentState['room'] = null;
  #me: AgentState['me'] = null;
  #lastError: AgentState['lastError'] = null;
  #rooms: DiscoveredRoom[] = [];
  #roster: RosterEntry[] = [];
  #closing: Promise<void> | null = null;
  #context: RoomContext | null = null;
  /** feature services (chat, …), created in start() */
  features!: Features;
  readonly #uiHandlers = new Map<string, (req: UiRequest) => Promise<unknown>>();

  private constructor(
    readonly opts: AgentOptions,
    readonly store: Store,
    readonly peerId: string,
    readonly browser: RoomBrowser | null,
  ) {
    super();
    browser?.on('rooms', (rooms) => {
      this.#rooms = rooms;
      this.emit('ui', { type: 'rooms', rooms });
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
    });
    try {
      await host.listen();
    } catch (err) {
      await host.close();
      throw new CamvidError('UNREACHABLE', `Cannot listen on port ${this.opts.port}: ${(err as Error).message}`);
    }
    this.#host = host;
    host.on('roster', (members) => this.#setRoster(members));
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
        ...target,
        roomKey,
        peerId: this.peerId,
        name: req.name,
        bindAddress: this.opts.bindAddress,
        iceServers: this.opts.iceServers,
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
      this.#lastError = null;
      this.#emitState();
      this.#context = { role: 'student', roomId: info.roomId, me: this.#me, edges: member.edges, host: null, member };
      this.emit('room', this.#context);
      return member;
    } catch (err) {
      this.#member = null;
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
    this.#setRoster([]);
    this.#setPhase('idle');
    await publisher?.close();
    await host?.close();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.leave();
      await closeFeatures(this.features);
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

  async handle(req: UiRequest): Promise<unknown> {
    const handler = this.#uiHandlers.get(req.type);
    if (!handler) throw new CamvidError('BAD_MESSAGE', `no handler for ${req.type}`);
    return handler(req);
  }

  /** Features answer their own UI requests: `agent.onUiRequest('chat-send', (req) => …)`. */
  onUiRequest<K extends UiRequest['type']>(type: K, handler: (req: Extract<UiRequest, { type: K }>) => Promise<unknown>): void {
    this.#uiHandlers.set(type, handler as (req: UiRequest) => Promise<unknown>);
  }

  /** Pushes a feature event to every connected UI. */
  pushUi(event: UiEvent): void {
    this.emit('ui', event);
  }

  async #resolveTarget(req: JoinRequest): Promise<{ address: string; port: number; roomId: string }> {
    if (req.address) {
      const { address, port } = parseAddress(req.address);
      const roomId = await fetchRoomId(address, port);
      return { address, port, roomId };
    }
    const match = (r: DiscoveredRoom) => (req.roomId ? r.id === req.roomId : r.name === req.roomName);
    let room = this.#rooms.find(match);
    if (!room && this.browser && req.roomName) room = await this.#waitForRoom(match);
    if (!room) {
      throw new CamvidError('ROOM_NOT_FOUND', req.roomName ? `No room named "${req.roomName}" was found on this network.` : undefined);
    }
    return { address: room.address, port: room.port, roomId: room.id };
  }

  #waitForRoom(match: (r: DiscoveredRoom) => boolean): Promise<DiscoveredRoom | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(undefined);
      }, ROOM_NAME_WAIT_MS);
      const off = this.browser!.on('rooms', (rooms) => {
        const room = rooms.find(match);
        if (!room) return;
        clearTimeout(timer);
        off();
        resolve(room);
      });
    });
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

/** Asks a host for its room id (join by address knows only host:port); a busy host gets three tries. */
async function fetchRoomId(address: string, port: number): Promise<string> {
  const where = formatHostPort(address, port);
  const url = `http://${where}${PING_PATH}`;
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json()) as { roomId?: unknown };
      if (typeof body.roomId === 'string' && /^[0-9a-f]{16}$/.test(body.roomId)) return body.roomId;
      throw new CamvidError('UNREACHABLE', `${where} is not a CAMVID room.`);
    } catch (err) {
      if (err instanceof CamvidError) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      lastError = cause ?? (err as Error).message;
      // Nothing listens there: say so at once; only a slow or busy host is worth another try.
      if (cause === 'ECONNREFUSED') break;
      if (attempt < 3) await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  throw new CamvidError('UNREACHABLE', `No CAMVID room answers at ${where} (${lastError}).`);
}
