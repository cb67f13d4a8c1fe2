/**
 * A student's side of a room: one authenticated session with the host (membership, tree orders,
 * signalling) and this agent's edges. It reports its parent edge's state to the host; when the
 * parent is lost the host places it again. When the host's session drops, it keeps trying to
 * come back (the room may only have blinked) until `close()`.
 */
import { CamvidError, errorFromWire } from '../../protocol/errors.js';
import type { RosterEntry } from '../../protocol/common.js';
import type { HostMessage, MemberMessage } from '../../protocol/session.js';
import type { AgentIdentity } from '../auth/agent-identity.js';
import type { RoomKey } from '../auth/room-key.js';
import { createLogger } from '../log.js';
import { connectSession, type MemberSession } from '../signalling/signal-client.js';
import { TypedEmitter } from '../typed-emitter.js';
import { EdgeTable, whenDirectOpen } from './edge-table.js';
import type { LinkCloseReason, PeerLink } from './peer-link.js';
import { RosterBook } from './roster-sync.js';

const log = createLogger('agent:member');
const WELCOME_TIMEOUT_MS = 5000;
const RECONNECT_DELAY_MS = 500;
const START_ATTEMPTS = 3;

export interface RoomMemberOptions {
  /** the host's LAN signalling address; not needed when `dial` is given */
  address?: string;
  port?: number;
  /**
   * How to reach the host (a LAN WebSocket, or the swarm): called to join and after every lost
   * session. Default: connectSession to address:port.
   */
  dial?: () => Promise<MemberSession>;
  roomId: string;
  roomKey: RoomKey;
  /** this agent's key: its peer id, proven in every join */
  identity: AgentIdentity;
  /** the display name asked for; the host may make it unique ("Ann (2)"): see RoomInfo.name */
  name: string;
  bindAddress?: string;
  iceServers?: string[];
  /** the IP path MTU SCTP may fill (LAN_MTU on a LAN); absent = libdatachannel's safe 1280 */
  mtu?: number;
}

export interface RoomInfo {
  roomId: string;
  roomName: string;
  hostId: string;
  hostName: string;
  /** the host's own public key (base64) that signs sequenced records */
  hostKey: string;
  /** our display name as the host shows it (unique in the room) */
  name: string;
}

/** Session messages from the host that features handle. */
export type FeatureHostMessage = Extract<HostMessage, { type: `chat-${string}` | `files-${string}` | `podcast-${string}` | `attendance-${string}` | `poll-${string}` | `present-${string}` }>;

export type MemberState = 'joining' | 'joined' | 'reconnecting';

export type RoomMemberEvents = {
  state: [state: MemberState];
  roster: [members: RosterEntry[]];
  /** a fatal error: the member stopped (e.g. the password changed) */
  error: [err: CamvidError];
  /** the host welcomed us, at first join and after every reconnect */
  welcome: [info: RoomInfo];
  feature: [message: FeatureHostMessage];
  /**
   * The parent edge was lost (`reason`) and this member switched to its warm standby parent at
   * once (`standbyId`), or had none to switch to (null: the host places it again).
   */
  'parent-lost': [event: { edge: string; parentId: string; reason: LinkCloseReason; silentMs: number | null; standbyId: string | null }];
};

export class RoomMember extends TypedEmitter<RoomMemberEvents> {
  readonly edges: EdgeTable;
  info: RoomInfo | null = null;
  roster: RosterEntry[] = [];
  #state: MemberState = 'joining';
  #session: MemberSession | null = null;
  /** the edge to our parent that the host last assigned */
  #parentEdge: string | null = null;
  /** the standby edge the host last assigned */
  #standbyEdge: string | null = null;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** this session's roster: the host's snapshot, then its deltas */
  #book = new RosterBook();
  /** `connectDirect` calls waiting: a refusal from the host (THROTTLED, NOT_IN_ROOM) ends them */
  readonly #connecting = new Set<(err: CamvidError) => void>();

  constructor(private readonly opts: RoomMemberOptions) {
    super();
    this.edges = new EdgeTable({
      bindAddress: opts.bindAddress,
      iceServers: opts.iceServers,
      mtu: opts.mtu,
      sendSignal: (edge, peer, data) => this.#session?.send({ type: 'signal', edge, peer, data }),
    });
    this.edges.on('open', (link) => {
      if (link !== this.edges.parent || link.edge !== this.#parentEdge) return;
      this.#session?.send({ type: 'edge', edge: link.edge, state: 'connected' });
      this.#setState('joined');
      this.#judgeParentFast();
    });
    this.edges.on('standby-open', (link) => {
      if (link !== this.edges.standby) return;
      this.#session?.send({ type: 'edge', edge: link.edge, state: 'connected' });
      this.#judgeParentFast();
    });
    this.edges.on('closed', (link, reason) => {
      const state = reason === 'lost' ? 'lost' : 'failed';
      // A direct edge that closed frees its place in the host's count of our direct edges.
      if (link.opts.kind === 'direct' || link.opts.kind === 'present') this.#session?.send({ type: 'edge', edge: link.edge, state });
      if (link.opts.end !== 'child') return;
      // Our standby edge: the host plans another.
      if (link.edge === this.#standbyEdge) {
        this.#standbyEdge = null;
        this.#session?.send({ type: 'edge', edge: link.edge, state });
        this.#judgeParentFast();
        return;
      }
      if (link.edge !== this.#parentEdge) return;
      this.#parentEdge = null;
      const standby = this.edges.standby;
      const event = { edge: link.edge, parentId: link.peerId, reason, silentMs: link.lostAfter?.silentMs ?? null };
      if (standby?.isOpen && standby.edge === this.#standbyEdge) {
        // A warm standby: media from it at once; the host hears of it and plans a new standby.
        this.#takeStandby(standby.edge);
        this.#session?.send({ type: 'promote', edge: standby.edge });
        this.emit('parent-lost', { ...event, standbyId: standby.peerId });
        return;
      }
      this.emit('parent-lost', { ...event, standbyId: null });
      this.#setState('reconnecting');
      this.#session?.send({ type: 'edge', edge: link.edge, state });
    });
  }

  /** this agent's peer id (derived from its identity key) */
  get peerId(): string {
    return this.opts.identity.peerId;
  }

  get state(): MemberState {
    return this.#state;
  }

  /** Connects and joins; resolves once the host welcomed us (the tree edge follows). */
  /**
   * Connects and joins; resolves once the host welcomed us (the tree edge follows). A transient
   * failure (unreachable, timeout, a session cut during the handshake) is tried again a few times,
   * as a person would; a refusal (wrong password, throttled, another room) is final at once.
   */
  async start(): Promise<RoomInfo> {
    for (let attempt = 1; ; attempt++) {
      try {
        const session = await this.#dial();
        if (this.#closed) {
          // Closed while dialling (the person left mid-join): this session has no owner.
          session.close();
          throw new CamvidError('CLOSED', 'Left the room before it was ready.');
        }
        return await this.#begin(session);
      } catch (err) {
        const e = err as CamvidError;
        const transient = ['UNREACHABLE', 'TIMEOUT', 'CLOSED', 'BAD_MESSAGE'].includes(e.code);
        if (!transient || attempt >= START_ATTEMPTS || this.#closed) throw err;
        log.debug(`join attempt ${attempt} failed (${e.code}); trying again`);
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  }

  /** Resolves when this member is in the tree (its parent edge is open). */
  whenJoined(timeoutMs = 15_000): Promise<void> {
    if (this.#state === 'joined') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new CamvidError('TIMEOUT', 'Timed out waiting for a place in the room.'));
      }, timeoutMs);
      const off = this.on('state', (s) => {
        if (s !== 'joined') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Raises or lowers this member's hand. */
  raiseHand(up: boolean): boolean {
    return this.send({ type: 'hand', up });
  }

  /** True while the session with the host is up. */
  get online(): boolean {
    return !!this.#session && !this.#session.closed && !!this.info;
  }

  /** Sends a session message to the host; false when offline (the caller queues). */
  send(message: MemberMessage): boolean {
    if (!this.#session || this.#session.closed) return false;
    this.#session.send(message);
    return true;
  }

  /** Asks the host for a direct edge to `peerId`; resolves with the link once it is open. */
  connectDirect(peerId: string, timeoutMs = 10_000): Promise<PeerLink> {
    if (!this.#session) return Promise.reject(new CamvidError('NOT_IN_ROOM', 'Not connected to the room.'));
    this.#session.send({ type: 'connect', peer: peerId });
    let refused = (_err: CamvidError) => {};
    const refusal = new Promise<never>((_, reject) => (refused = reject));
    this.#connecting.add(refused);
    const opening = Promise.race([whenDirectOpen(this.edges, peerId, timeoutMs), refusal]);
    return opening.finally(() => this.#connecting.delete(refused));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#session?.send({ type: 'leave' });
    this.#session?.close();
    this.edges.close();
    this.removeAllListeners();
  }

  #dial(): Promise<MemberSession> {
    if (this.opts.dial) return this.opts.dial();
    const { address, port } = this.opts;
    if (address === undefined || port === undefined) throw new TypeError('RoomMember needs an address and port, or dial');
    return connectSession({ ...this.opts, address, port });
  }

  #begin(session: MemberSession): Promise<RoomInfo> {
    this.#session = session;
    this.#book = new RosterBook();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        session.close();
        reject(new CamvidError('TIMEOUT', 'The host did not welcome us.'));
      }, WELCOME_TIMEOUT_MS);
      session.on('message', (msg) => {
        if (msg.type === 'welcome') {
          clearTimeout(timer);
          if (msg.you !== this.peerId) {
            clearTimeout(timer);
            session.close();
            reject(new CamvidError('BAD_MESSAGE', 'The host welcomed another peer id than ours.'));
            return;
          }
          this.info = { roomId: msg.roomId, roomName: msg.roomName, hostId: msg.hostId, hostName: msg.hostName, hostKey: msg.hostKey, name: msg.name };
          resolve(this.info);
          this.emit('welcome', this.info);
        } else if (msg.type === 'error') {
          clearTimeout(timer);
          reject(errorFromWire(msg));
        }
        this.#onMessage(msg);
      });
      session.on('close', (reason) => {
        clearTimeout(timer);
        reject(reason ?? new CamvidError('CLOSED', 'The host closed the session.'));
        // Before the first welcome, start() decides whether to try again; after it, we reconnect.
        if (this.#session === session && this.info) this.#onSessionLost();
      });
      const { identity } = this.opts;
      session.send({ type: 'join', name: this.opts.name, key: identity.publicKey, sig: identity.proveSession(session.transcript) });
    });
  }

  #onMessage(msg: HostMessage): void {
    switch (msg.type) {
      case 'attach':
        this.#parentEdge = msg.edge;
        this.edges.attach(msg.edge, msg.parentId);
        if (this.#state === 'joined') this.#setState('reconnecting');
        break;
      case 'adopt':
        this.edges.adopt(msg.edge, msg.childId, msg.standby ?? false);
        break;
      case 'standby':
        this.#standbyEdge = msg.edge;
        this.edges.standbyTo(msg.edge, msg.parentId);
        break;
      case 'promote':
        // Our standby (the host saw our parent die first), or a child's standby edge to us.
        if (msg.edge === this.#standbyEdge) this.#takeStandby(msg.edge);
        else this.edges.promote(msg.edge);
        break;
      case 'direct':
        // A present edge only ever goes up to the host, offered by us (its screen tracks are ours).
        if (!msg.present) this.edges.direct(msg.edge, msg.peer, msg.end);
        else if (msg.peer === this.info?.hostId && msg.end === 'parent') this.edges.direct(msg.edge, msg.peer, msg.end, 'present');
        break;
      case 'drop':
        this.edges.drop(msg.edge);
        break;
      case 'signal':
        this.edges.onSignal(msg.edge, msg.peer, msg.data);
        break;
      case 'roster':
      case 'roster-delta': {
        const shown = this.#book.apply(msg);
        if (!shown) break; // more parts of this change follow
        this.roster = shown;
        this.emit('roster', shown);
        break;
      }
      case 'error':
        if (msg.code === 'REMOVED') {
          // Removed by the instructor: never rejoin by ourselves; the person must type the password.
          this.emit('error', errorFromWire(msg));
          this.close();
        } else if (msg.code === 'THROTTLED' || msg.code === 'NOT_IN_ROOM') {
          // The answer to a `connect` (the only request refused this way): its caller hears it now.
          const err = errorFromWire(msg);
          for (const refuse of [...this.#connecting]) refuse(err);
        }
        break;
      case 'chat-ack':
      case 'chat-refused':
      case 'chat-batch':
      case 'chat-head':
      case 'files-reply':
      case 'files-shared':
      case 'podcast-status':
      case 'attendance-you':
      case 'poll-update':
      case 'poll-ack':
      case 'poll-refused':
      case 'present-invite':
      case 'present-end':
        this.emit('feature', msg);
        break;
      default:
        break;
    }
  }

  /** The parent is judged lost after a short silence only while a standby is up to switch to. */
  #judgeParentFast(): void {
    const parent = this.edges.parent;
    if (parent) parent.fastSilence = !!this.edges.standby?.isOpen;
  }

  /** Our standby edge becomes our parent edge (the old parent link, if still there, is closed). */
  #takeStandby(edge: string): void {
    this.#standbyEdge = null;
    this.#parentEdge = edge;
    this.edges.promote(edge);
    if (this.edges.parent?.edge === edge && this.edges.parent.isOpen) this.#setState('joined');
  }

  #onSessionLost(): void {
    this.#session = null;
    if (this.#closed) return;
    // Without the host there is no room: drop our edges and come back through the host.
    this.#parentEdge = null;
    this.#standbyEdge = null;
    for (const link of this.edges.children()) link.close();
    this.edges.standby?.close();
    this.edges.parent?.close();
    this.#setState('reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    this.#reconnectTimer = setTimeout(async () => {
      this.#reconnectTimer = null;
      try {
        const session = await this.#dial();
        if (this.#closed) return session.close();
        await this.#begin(session);
      } catch (err) {
        const e = err as CamvidError;
        if (e.code === 'BAD_PASSWORD' || e.code === 'ROOM_NOT_FOUND') {
          this.emit('error', e);
          return;
        }
        log.debug('reconnect failed:', e.message);
        if (!this.#session) this.#scheduleReconnect();
      }
    }, RECONNECT_DELAY_MS);
  }

  #setState(state: MemberState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
