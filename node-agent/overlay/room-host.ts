/**
 * The instructor's side of a room: the authority for membership and the relay tree. It owns the
 * signalling server, the member sessions, the tree plan and the host's own edges. A member's
 * session closing (its process died: TCP closes at once, or its heartbeat stops) removes it; its
 * children are placed again at once, which is how a subtree recovers from a dead relay. Where
 * each member sits, and what happens when its edge fails, is host-placement.ts.
 */
import { DEFAULT_MAX_MEMBERS, type RosterEntry } from '../../protocol/common.js';
import type { HostMessage, MemberMessage, SignalData } from '../../protocol/session.js';
import type { RoomKey } from '../auth/room-key.js';
import { createLogger } from '../log.js';
import { SignalServer, type HostSession } from '../signalling/signal-server.js';
import { TypedEmitter } from '../typed-emitter.js';
import { CamvidError } from '../../protocol/errors.js';
import { EdgeTable, whenDirectOpen } from './edge-table.js';
import { HostLimits, type LimitKind } from './host-limits.js';
import type { PeerLink } from './peer-link.js';
import { HostIdentity } from './host-identity.js';
import { RosterPublisher, studentEntry } from './roster-sync.js';
import { HostDirectEdges } from './host-direct-edges.js';
import { HostStandbys } from './host-standbys.js';
import { HostPlacement, type PlacedMember } from './host-placement.js';
import { Reachability } from './reachability.js';
import { TreePlanner } from './tree-planner.js';
import { uniqueName } from './unique-name.js';
import { verifySessionProof } from '../auth/agent-identity.js';

const log = createLogger('agent:host');
const JOIN_TIMEOUT_MS = 5000;
const BLOCKED_MESSAGE = 'The instructor removed you from this lecture: you cannot join it again until it ends.';

export interface RoomHostOptions {
  roomId: string;
  roomName: string;
  roomKey: RoomKey;
  hostId: string;
  hostName: string;
  port: number;
  listenHost?: string;
  rootFanout: number;
  fanout: number;
  bindAddress?: string;
  iceServers?: string[];
  /** the IP path MTU SCTP may fill (LAN_MTU on a LAN); absent = libdatachannel's safe 1280 */
  mtu?: number;
  /** the room's signing identity; a resumed room passes its own, otherwise a new one is made */
  identity?: HostIdentity;
  /** students admitted at once (default DEFAULT_MAX_MEMBERS); the next is refused ROOM_FULL */
  maxMembers?: number;
  /** default ATTACH_TIMEOUT_MS (host-placement.ts) */
  attachTimeoutMs?: number;
}

interface Member extends PlacedMember {
  session: HostSession;
  /** where its session comes from: the per-address budgets (host-limits.ts) */
  address: string;
  /** it has had the whole roster; from then on it gets deltas */
  synced: boolean;
  /** raised-hand time, host clock */
  hand?: number;
  muted?: boolean;
  presenting?: 'invited' | 'live';
}

/** Session messages that features (chat, …) handle rather than the tree. */
const FEATURE_MESSAGES = ['chat-send', 'chat-history', 'files-list', 'files-manifest', 'podcast-listener', 'poll-answer', 'poll-sync', 'attendance-ask'] as const;
export type FeatureMemberMessage = Extract<MemberMessage, { type: `chat-${string}` | `files-${string}` | `podcast-${string}` | `poll-${string}` | `attendance-${string}` | `present-${string}` }>;

/** A member's session as attendance sees it: who, under which name, from where. */
export interface MemberSessionInfo {
  id: string;
  name: string;
  address: string;
}

export type RoomHostEvents = {
  roster: [members: RosterEntry[]];
  feature: [memberId: string, message: FeatureMemberMessage];
  /** a member's session was admitted (after its `welcome`); a reconnect is a new session */
  joined: [member: MemberSessionInfo];
  /** a member's session ended (it left, was removed, timed out, or a newer session replaced it) */
  left: [member: MemberSessionInfo];
  /** the member ids blocked for this lecture, after one more was blocked */
  blocked: [ids: string[]];
};

export class RoomHost extends TypedEmitter<RoomHostEvents> {
  readonly server: SignalServer;
  /** the host's own signing key for this room (not the room key): members verify records with it */
  readonly identity: HostIdentity;
  readonly edges: EdgeTable;
  /** what each student may ask per second (host-limits.ts) */
  readonly limits = new HostLimits();
  readonly maxMembers: number;
  /** joins refused because the room was full */
  refusedFull = 0;
  /** joins refused because their identity proof did not verify */
  refusedIdentity = 0;
  readonly #members = new Map<string, Member>();
  /** member ids removed and blocked for as long as this room runs */
  readonly #blocked = new Set<string>();
  readonly #roster: RosterPublisher = new RosterPublisher(
    {
      entries: () => this.roster(),
      owners: (): unknown[] => [this, ...this.#members.values()],
      readers: () => this.#members.values(),
    },
    (members) => this.emit('roster', members),
  );
  readonly #plan: TreePlanner;
  /** direct (non-tree) edges, for the labs */
  readonly #direct: HostDirectEdges;
  #edgeCounter = 0;
  readonly #standbys: HostStandbys;
  /** which students reach each other (client isolation: reachability.ts) */
  readonly #reach = new Reachability();
  readonly #placement: HostPlacement;
  #closing: Promise<void> | null = null;

  constructor(private readonly opts: RoomHostOptions) {
    super();
    this.identity = opts.identity ?? new HostIdentity();
    this.maxMembers = opts.maxMembers ?? DEFAULT_MAX_MEMBERS;
    this.#plan = new TreePlanner({ rootId: opts.hostId, rootFanout: opts.rootFanout, fanout: opts.fanout });
    this.server = new SignalServer({ roomId: opts.roomId, roomKey: opts.roomKey, identity: this.identity, port: opts.port, host: opts.listenHost });
    this.server.on('session', (session) => this.#onSession(session));
    this.edges = new EdgeTable({
      bindAddress: opts.bindAddress,
      iceServers: opts.iceServers,
      mtu: opts.mtu,
      sendSignal: (edge, peer, data) => this.#members.get(peer)?.session.send({ type: 'signal', edge, peer: opts.hostId, data }),
    });
    const newEdgeId = (parentId: string, childId: string) => `${parentId}>${childId}#${++this.#edgeCounter}`;
    this.#standbys = new HostStandbys({
      plan: this.#plan,
      isConnected: (id) => this.#members.get(id)?.state === 'connected' && this.#plan.isRooted(id),
      eligible: (id, forMember) => this.#placement.eligible(id) && this.#reach.canServe(id, forMember),
      newEdgeId,
      deliver: (to, message) => this.#deliver(to, message),
      admit: (id) => this.admit('standby', id),
      changed: () => this.#rosterChanged(),
    });
    this.#placement = new HostPlacement({
      hostId: opts.hostId,
      plan: this.#plan,
      edges: this.edges,
      standbys: () => this.#standbys,
      reach: this.#reach,
      members: () => this.#members.values(),
      member: (id) => this.#members.get(id),
      deliver: (to, message) => this.#deliver(to, message),
      newEdgeId,
      changed: () => this.#rosterChanged(),
      closing: () => !!this.#closing,
      attachTimeoutMs: opts.attachTimeoutMs,
    });
    this.#direct = new HostDirectEdges({
      isKnown: (id) => id === opts.hostId || this.#members.has(id),
      newEdgeId,
      deliver: (to, message) => this.#deliver(to, message),
    });
    // A direct edge of ours that closed frees its place in both ends' count (MAX_DIRECT_EDGES_PER_MEMBER).
    this.edges.on('closed', (link) => {
      if (link.opts.kind === 'direct' || link.opts.kind === 'present') this.#direct.forget(link.edge, this.opts.hostId);
    });
    // The host's own tree children: its side of the edge opening is what counts (see #onEdgeReport).
    this.edges.on('open', (link) => {
      const m = this.#members.get(link.peerId);
      if (m && m.edge === link.edge && m.parentId === this.opts.hostId && m.state !== 'connected') this.#placement.onEdgeReport(m, link.edge, 'connected');
    });
  }

  /**
   * One request of `kind` from a member against its budgets (host-limits.ts): 0 when allowed, else
   * the ms until it would be. The instructor's own requests are never limited.
   */
  admit(kind: LimitKind, memberId: string): number {
    if (memberId === this.opts.hostId) return 0;
    const m = this.#members.get(memberId);
    return m ? this.limits.take(kind, memberId, m.address) : 0;
  }

  async listen(): Promise<number> {
    return this.server.listen();
  }

  /** Sends a session message to one member (features use it for acks and history). */
  sendTo(memberId: string, message: HostMessage): boolean {
    const m = this.#members.get(memberId);
    if (!m) return false;
    m.session.send(message);
    return true;
  }

  /** Raises or lowers a member's hand (the member itself, or the instructor lowering it). */
  setHand(id: string, up: boolean): void {
    const m = this.#members.get(id);
    if (!m || !!m.hand === up) return;
    m.hand = up ? Date.now() : undefined;
    this.#rosterChanged();
  }

  /** Who presents (protocol/present.ts) travels in the roster: `undefined` clears it. */
  setPresenting(id: string, presenting: 'invited' | 'live' | undefined): void {
    const m = this.#members.get(id);
    if (!m || m.presenting === presenting) return;
    m.presenting = presenting;
    this.#rosterChanged();
  }

  /**
   * Opens a present edge: `memberId` offers its screen tracks, the host's end takes them
   * (protocol/present.ts). Only the presenting feature asks, for the student it invited; the
   * link shows up in `edges` (kind `present`). Returns the edge id, or null when the member left.
   */
  openPresentEdge(memberId: string): string | null {
    if (!this.#members.has(memberId)) return null;
    return this.#direct.start(memberId, this.opts.hostId, true);
  }

  setMuted(id: string, muted: boolean): void {
    const m = this.#members.get(id);
    if (!m) throw new CamvidError('NOT_IN_ROOM', 'That member is not in the room.');
    m.muted = muted || undefined;
    this.#rosterChanged();
  }

  /** Blocks member ids again (a resumed lecture: node-agent/classroom-controls.ts keeps them). */
  block(ids: readonly string[]): void {
    for (const id of ids) this.#blocked.add(id);
  }

  isMuted(id: string): boolean {
    return !!this.#members.get(id)?.muted;
  }

  /**
   * Removes a member; its agent stops and must be given the password again to come back. With
   * `block`, its agent (its identity: the member id is derived from the key that signs its joins)
   * is refused for as long as this room runs, password or not.
   */
  remove(id: string, opts: { block?: boolean } = {}): void {
    const m = this.#members.get(id);
    if (!m) throw new CamvidError('NOT_IN_ROOM', 'That member is not in the room.');
    if (opts.block) {
      this.#blocked.add(id);
      this.emit('blocked', [...this.#blocked]);
    }
    m.session.send({ type: 'error', code: 'REMOVED', message: opts.block ? BLOCKED_MESSAGE : 'The instructor removed you from the room.' });
    this.#removeMember(m);
  }

  /** Sends a session message to every member. */
  broadcast(message: HostMessage): void {
    for (const m of this.#members.values()) m.session.send(message);
  }

  get roomName(): string {
    return this.opts.roomName;
  }

  /** The members' sessions now (attendance takes them when it starts late). */
  sessions(): MemberSessionInfo[] {
    return [...this.#members.values()].map((m) => ({ id: m.id, name: m.name, address: m.address }));
  }

  memberName(id: string): string | undefined {
    return id === this.opts.hostId ? this.opts.hostName : this.#members.get(id)?.name;
  }

  roster(): RosterEntry[] {
    const host: RosterEntry = { id: this.opts.hostId, name: this.opts.hostName, role: 'host', parentId: null, state: 'connected' };
    const members = [...this.#members.values()].map((m) => studentEntry(m, this.#standbys.upParentOf(m.id), this.#reach.needsHost(m.id)));
    return [host, ...members];
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#roster.close();
      this.#placement.close();
      this.#standbys.close();
      for (const m of [...this.#members.values()].reverse()) m.session.close();
      this.#members.clear();
      this.edges.close();
      await this.server.close();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #onSession(session: HostSession): void {
    if (this.#closing) return session.close();
    const timer = setTimeout(() => session.close(), JOIN_TIMEOUT_MS);
    let member: Member | null = null;
    session.on('close', () => {
      clearTimeout(timer);
      if (member && this.#members.get(member.id) === member) this.#removeMember(member);
    });
    session.on('message', (msg) => {
      if (!member) {
        if (msg.type !== 'join') return session.close();
        clearTimeout(timer);
        let id: string;
        try {
          // Before anything else: the join must be signed, for this session, by the key its id comes from.
          id = verifySessionProof(msg.key, msg.sig, session.transcript);
        } catch (err) {
          this.refusedIdentity++;
          session.send({ type: 'error', code: 'IDENTITY_REFUSED', message: (err as Error).message });
          return session.close();
        }
        member = this.#addMember(session, id, msg.name);
        if (!member) session.close();
        return;
      }
      this.#handlers[msg.type]?.(member, msg as never);
    });
  }

  readonly #handlers: { [K in MemberMessage['type']]: (m: Member, msg: Extract<MemberMessage, { type: K }>) => void } = {
    join: (m) => m.session.close(), // a second join on one session is a protocol error
    signal: (m, msg) => this.#relaySignal(m, msg.edge, msg.peer, msg.data),
    edge: (m, msg) => this.#onEdgeReport(m, msg.edge, msg.state),
    connect: (m, msg) => this.#connectFor(m, msg.peer),
    promote: (m, msg) => {
      // The member switched to its standby by itself (its parent went silent): as when its parent dies.
      if (this.#standbys.get(m.id)?.edge === msg.edge) this.#placement.promote(m, true);
    },
    hand: (m, msg) => {
      // Excess toggles are dropped: each is a roster change for the whole class.
      if (!this.admit('hand', m.id)) this.setHand(m.id, msg.up);
    },
    ...(Object.fromEntries(FEATURE_MESSAGES.map((type) => [type, (m: Member, msg: FeatureMemberMessage) => this.emit('feature', m.id, msg)])) as {
      [K in (typeof FEATURE_MESSAGES)[number]]: (m: Member, msg: FeatureMemberMessage) => void;
    }),
    // Each can cost a PeerConnection at the host (present-start): the excess is dropped.
    'present-start': (m, msg) => this.#admitted('present', m, msg),
    'present-stop': (m, msg) => this.#admitted('present', m, msg),
    leave: (m) => m.session.close(),
  };

  /** A feature's message within the member's budget of `kind`; the excess is dropped. */
  #admitted(kind: LimitKind, m: Member, msg: FeatureMemberMessage): void {
    if (!this.admit(kind, m.id)) this.emit('feature', m.id, msg);
  }

  /** The member a `join` makes, or null when it is refused (the caller closes the session). */
  #addMember(session: HostSession, id: string, wanted: string): Member | null {
    if (id === this.opts.hostId) {
      session.send({ type: 'error', code: 'BAD_MESSAGE', message: 'peer id collides with the host' });
      return null;
    }
    if (this.#blocked.has(id)) {
      log.debug(`${wanted} (${id}) refused: blocked for this lecture`);
      session.send({ type: 'error', code: 'REMOVED', message: BLOCKED_MESSAGE });
      return null;
    }
    const stale = this.#members.get(id);
    if (!stale && this.#members.size >= this.maxMembers) {
      this.refusedFull++;
      log.debug(`${wanted} (${id}) refused: the room is full (${this.maxMembers})`);
      session.send({ type: 'error', code: 'ROOM_FULL', message: `The room is full: the instructor admits ${this.maxMembers} students.` });
      return null;
    }
    // The same id again can only be the same agent (its key signed this session): it reconnected
    // before its old session timed out. The newer session takes its place and the old one is
    // closed; one member id never has two sessions.
    if (stale) this.#removeMember(stale);
    const name = uniqueName(wanted, [this.opts.hostName, ...[...this.#members.values()].map((m) => m.name)]);
    const member: Member = { id, name, session, address: session.remoteAddress, synced: false, state: 'connecting', edge: null, parentId: null };
    this.#members.set(id, member);
    this.#reach.setAddress(id, member.address);
    log.debug(`${name} (${id}) joined from ${session.remoteAddress}`);
    session.send({
      type: 'welcome',
      roomId: this.opts.roomId,
      roomName: this.opts.roomName,
      hostId: this.opts.hostId,
      hostName: this.opts.hostName,
      hostKey: this.identity.publicKey,
      you: id,
      name,
    });
    this.emit('joined', { id, name, address: member.address });
    this.#placement.place(member);
    return member;
  }

  /** Opens a direct edge from the host to a member (the host offers); resolves once it is open. */
  connectDirect(peerId: string, timeoutMs = 10_000): Promise<PeerLink> {
    if (!this.#members.has(peerId)) return Promise.reject(new CamvidError('NOT_IN_ROOM', 'That member is not in the room.'));
    // The link opens asynchronously, so listening after creating it is still in time.
    this.#direct.start(this.opts.hostId, peerId);
    return whenDirectOpen(this.edges, peerId, timeoutMs);
  }

  /** A member's `connect`: within its budget and both ends' edge counts, else refused THROTTLED. */
  #connectFor(m: Member, peer: string): void {
    const refuse = (message: string) => m.session.send({ type: 'error', code: 'THROTTLED', message });
    const wait = this.admit('connect', m.id);
    if (wait > 0) return refuse(`Too many direct connections asked for; try again in ${Math.ceil(wait / 1000)} s.`);
    const full = this.#direct.refusal(m.id, peer, this.opts.hostId);
    if (full) return refuse(full);
    this.#direct.start(m.id, peer);
  }

  #removeMember(member: Member): void {
    this.#members.delete(member.id);
    this.emit('left', { id: member.id, name: member.name, address: member.address });
    this.#direct.removed(member.id);
    member.session.close();
    this.#placement.removed(member);
    this.#rosterChanged();
  }

  /** A session message to a member; to the host itself, the edge orders its own table carries out. */
  #deliver(to: string, message: HostMessage): void {
    if (to !== this.opts.hostId) {
      this.#members.get(to)?.session.send(message);
      return;
    }
    if (message.type === 'adopt') this.edges.adopt(message.edge, message.childId, message.standby ?? false);
    else if (message.type === 'promote') this.edges.promote(message.edge);
    else if (message.type === 'drop') this.edges.drop(message.edge);
    else if (message.type === 'direct') this.edges.direct(message.edge, message.peer, message.end, message.present ? 'present' : 'direct');
  }

  /** Relays WebRTC signalling between the two ends of an edge the plan knows; anything else is dropped. */
  #relaySignal(from: Member, edge: string, peer: string, data: SignalData): void {
    const fromIsChild = from.edge === edge && from.parentId === peer;
    const child = this.#members.get(peer);
    const fromIsParent = !!child && child.edge === edge && child.parentId === from.id;
    const isDirect = this.#direct.isEdge(edge, from.id, peer);
    if (!fromIsChild && !fromIsParent && !isDirect && !this.#standbys.isEdge(edge, from.id, peer)) return;
    if (this.admit('signal', from.id) > 0) return; // past any honest edge's needs: dropped
    if (peer === this.opts.hostId) this.edges.onSignal(edge, from.id, data);
    else this.#members.get(peer)?.session.send({ type: 'signal', edge, peer: from.id, data });
  }

  #onEdgeReport(member: Member, edge: string, state: 'connected' | 'failed' | 'lost'): void {
    if (state !== 'connected' && this.#direct.has(edge)) return this.#direct.forget(edge, member.id);
    this.#placement.onEdgeReport(member, edge, state);
  }

  #rosterChanged(): void {
    // Every change of the tree passes here: the standbys are checked after it.
    this.#standbys.schedule();
    if (!this.#closing) this.#roster.schedule();
  }
}
