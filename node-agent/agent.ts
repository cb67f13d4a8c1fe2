/**
 * One CAMVID agent: the composition root (only the CLI imports it). It owns the store, the room
 * directory (mDNS browsing), the swarm, the UI router, the features (node-agent/features.ts), and
 * at most one room at a time (a HostedRoom or a JoinedRoom). Features see it only as a
 * `FeatureHost`. Closing it leaves the room, then closes the features in reverse order, the
 * swarm, the directory and last the store; one child failing to close never skips the others.
 */
import os from 'node:os';
import { DEFAULT_FANOUT } from '../protocol/common.js';
import type { RosterEntry } from '../protocol/common.js';
import { CamvidError, toCamvidError } from '../protocol/errors.js';
import type { SwarmStatus } from '../protocol/swarm.js';
import type { AgentState, Phase, UiEvent, UiRequest } from '../protocol/ui.js';
import { RoomBrowser } from './discovery/room-browser.js';
import type { Feature, FeatureHost, RoomContext } from './feature-host.js';
import { startFeatures, type Features } from './features.js';
import { background } from './background.js';
import { createLogger } from './log.js';
import { LAN_MTU } from './overlay/peer-link.js';
import type { MemberState } from './overlay/room-member.js';
import { HostedRoom, type HostedRoomOptions, type HostRequest } from './room/hosted-room.js';
import { JoinedRoom } from './room/joined-room.js';
import { RoomRecordFile } from './room/room-record.js';
import { RoomDirectory, type JoinWhere } from './room/room-directory.js';
import { closeInOrder } from './room/scope.js';
import { formatHostPort } from './signalling/signal-client.js';
import { AgentIdentity } from './auth/agent-identity.js';
import { Store } from './store/store.js';
import { RoomSwarm } from './swarm/room-swarm.js';
import type { SwarmNodeOptions } from './swarm/swarm-node.js';
import { TypedEmitter } from './typed-emitter.js';
import { UiRouter } from './ui-router.js';
import type { UiBackend, UiSession } from './ui-server/ui-server.js';
import { browseLocal } from './ui-server/local-browse.js';

const log = createLogger('agent');
export { DEFAULT_FANOUT };

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

export type AgentHostRequest = Omit<HostRequest, 'fanout'> & { fanout?: number };

export interface JoinRequest extends JoinWhere {
  name: string;
  password: string;
}

type Room = HostedRoom | JoinedRoom;

type AgentEvents = {
  roster: [members: RosterEntry[]];
  /** the swarm's state changed (only with `swarm` in the options) */
  swarm: [status: SwarmStatus];
};

export class Agent extends TypedEmitter<AgentEvents> implements UiBackend, FeatureHost {
  readonly ui = new UiRouter();
  readonly directory: RoomDirectory;
  /** the swarm, when started with `swarm` options (never awaited: it must not delay startup) */
  readonly swarm: RoomSwarm | null;
  #features: Features | null = null;
  #order: [string, Feature][] = [];
  #phase: Phase = 'idle';
  /** the room this agent is in */
  #room: Room | null = null;
  /** a host or join in progress: aborted by leave() or close(), which wait for it to settle */
  #entering: { kind: 'host' | 'join'; abort: AbortController; settled: Promise<void> } | null = null;
  #roster: RosterEntry[] = [];
  #lastError: AgentState['lastError'] = null;
  #closing: Promise<void> | null = null;
  /** the hosted room's record (node-agent/room/room-record.ts); `#resumable` is what it held at start */
  readonly #record: RoomRecordFile;
  #resumable: AgentState['resumable'] = null;

  private constructor(
    readonly opts: AgentOptions,
    readonly store: Store,
    /** this agent's key (kept in its data folder): its peer id, proven in every join */
    readonly identity: AgentIdentity,
  ) {
    super();
    this.#record = new RoomRecordFile(opts.dataDir);
    this.directory = new RoomDirectory(opts.mdns ? new RoomBrowser() : null, !!opts.swarm);
    this.directory.on('rooms', (rooms) => this.ui.push({ type: 'rooms', rooms }));
    this.swarm = opts.swarm ? new RoomSwarm(opts.swarm) : null;
    this.swarm?.on('status', (status) => {
      this.emit('swarm', status);
      this.#emitState();
    });
    this.ui.handle('host', async (req) => {
      await this.host({ room: req.room, password: req.password, name: req.name, fanout: req.fanout });
    });
    this.ui.handle('join', async (req) => {
      await this.join(req);
    });
    this.ui.handle('leave', () => this.leave());
    this.ui.handle('host-resume', async () => {
      await this.resume();
    });
    // The path pickers of this agent's own page (the folder to share, a podcast file).
    this.ui.handle('local-browse', (req) => browseLocal(req));
  }

  /**
   * Opens the store and starts every feature; on any failure closes what was started. `compose`
   * makes the features (tests wrap it to add a failing or recording one).
   */
  static async start(opts: AgentOptions, compose: typeof startFeatures = startFeatures): Promise<Agent> {
    const store = await Store.open(opts.dataDir);
    let agent: Agent | null = null;
    try {
      agent = new Agent(opts, store, await AgentIdentity.load(opts.dataDir));
      const saved = await agent.#record.read().catch((err: Error) => (log.warn(err.message), null));
      agent.#resumable = saved && { id: saved.roomId, name: saved.name };
      const { features, order } = await compose(agent);
      agent.#features = features;
      agent.#order = order;
      return agent;
    } catch (err) {
      if (agent) await agent.close();
      else await store.close();
      throw err;
    }
  }

  get features(): Features {
    if (!this.#features) throw new CamvidError('CLOSED', 'The agent is not running.');
    return this.#features;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** The room this agent is in, for features. */
  get room(): RoomContext | null {
    return this.#room?.ctx ?? null;
  }

  roster(): RosterEntry[] {
    return this.#roster;
  }

  onRoster(listener: (members: RosterEntry[]) => void): () => void {
    return this.on('roster', listener);
  }

  state(): AgentState {
    const room = this.#room;
    return {
      phase: this.#phase,
      me: room?.ctx.me ?? null,
      room: room?.info ?? null,
      joinAddresses: this.joinAddresses(),
      lastError: this.#lastError,
      resumable: this.#room ? null : this.#resumable,
      ...(room instanceof JoinedRoom && !room.member.online ? { hostAway: true } : {}),
      ...(this.swarm ? { swarm: this.swarm.status() } : {}),
    };
  }

  /** Where students can reach this host when multicast is blocked. */
  joinAddresses(): string[] {
    if (!(this.#room instanceof HostedRoom)) return [];
    const port = this.#room.host.server.port;
    if (this.opts.listenHost && this.opts.listenHost !== '0.0.0.0') return [formatHostPort(this.opts.listenHost, port)];
    const out: string[] = [];
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(formatHostPort(a.address, port));
    }
    return out.length ? out : [formatHostPort('127.0.0.1', port)];
  }

  /** Hosts a room; rejects with ALREADY_IN_ROOM while in (or entering) one, CLOSED when left meanwhile. */
  host(req: AgentHostRequest): Promise<HostedRoom> {
    return this.#hostWith((opts, signal) => HostedRoom.open({ ...req, fanout: req.fanout ?? DEFAULT_FANOUT }, opts, signal));
  }

  /**
   * Hosts again the room this agent hosted before it stopped without ending the class: same room
   * id, password, identity and port, so students' agents (which keep dialling it) come back by
   * themselves and the chat history continues. ROOM_NOT_FOUND when there is none.
   */
  async resume(): Promise<HostedRoom> {
    const record = await this.#record.read();
    if (!record) throw new CamvidError('ROOM_NOT_FOUND', 'There is no room to resume in this data folder; host a new one.');
    return this.#hostWith((opts, signal) => HostedRoom.resume(record, opts, signal));
  }

  #hostWith(open: (opts: HostedRoomOptions, signal: AbortSignal) => Promise<HostedRoom>): Promise<HostedRoom> {
    return this.#entry('host', async (signal) => {
      const room = await open({
        peerId: this.peerId,
        port: this.opts.port,
        listenHost: this.opts.listenHost,
        bindAddress: this.opts.bindAddress,
        iceServers: this.opts.iceServers,
        mtu: this.swarm ? undefined : LAN_MTU,
        mdns: this.opts.mdns,
        swarm: this.swarm,
      }, signal);
      room.on('roster', (members) => this.#setRoster(members));
      // Kept until the class is ended, so a crash or a reboot can bring the room back.
      await this.#record.write(room.record()).catch((err: Error) => log.warn('the room could not be saved for a resume:', err.message));
      this.#resumable = null;
      return { room, phase: 'hosting' };
    });
  }

  get peerId(): string {
    return this.identity.peerId;
  }

  /** Joins a room by address, LAN id or name, or room code on the swarm. */
  join(req: JoinRequest): Promise<JoinedRoom> {
    const onState = (s: MemberState) => this.#setPhase(s);
    return this.#entry('join', async (signal) => {
      this.#setPhase('joining');
      try {
        const target = await this.directory.resolve(req, signal);
        const room = await JoinedRoom.open(target, {
          identity: this.identity,
          name: req.name,
          password: req.password,
          bindAddress: this.opts.bindAddress,
          iceServers: this.opts.iceServers,
          mtu: target.swarm || this.swarm ? undefined : LAN_MTU,
          swarm: this.swarm,
          locate: (id) => {
            const listed = this.directory.rooms.find((r) => r.id === id && r.address && r.port);
            return listed?.address && listed.port ? { address: listed.address, port: listed.port } : null;
          },
        }, signal, onState);
        room.on('roster', (members) => this.#setRoster(members));
        room.on('state', onState);
        room.on('error', (err) => {
          this.#lastError = { code: err.code, message: err.message };
          background(this.leave(), log, 'leaving after a room error');
        });
        if (room.viaSwarm) this.directory.setSwarmRooms([room.info]);
        this.#lastError = null;
        return { room, phase: this.#phase };
      } catch (err) {
        const e = toCamvidError(err, 'UNREACHABLE');
        if (!signal.aborted) {
          this.#lastError = { code: e.code, message: e.message };
          this.#setPhase('idle');
        }
        throw e;
      }
    });
  }

  /**
   * Leaves the room (for a host: ends the class, which can then not be resumed), or stops entering
   * one. Resolves once everything the room owned is closed, including what a host or join in
   * progress had opened.
   */
  async leave(): Promise<void> {
    const ended = this.#room instanceof HostedRoom || this.#entering?.kind === 'host';
    await this.#leave();
    if (ended) await this.#record.remove();
  }

  /** Leaves without ending: the agent is stopping, and a hosted room stays resumable. */
  async #leave(): Promise<void> {
    const entering = this.#entering;
    this.#entering = null;
    entering?.abort.abort();
    const room = this.#room;
    this.#room = null;
    this.directory.setSwarmRooms([]);
    this.#setRoster([]);
    this.#setPhase('idle');
    await entering?.settled;
    await room?.close();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await closeInOrder(log, [
        ['room', () => this.#leave()],
        ...[...this.#order].reverse().map(([name, f]): [string, () => unknown] => [name, () => f.close()]),
        ['swarm', () => this.swarm?.close()],
        ['room directory', () => this.directory.close()],
        ['store', () => this.store.close()],
      ]);
      this.ui.removeAllListeners();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  // UiBackend
  snapshot() {
    return { state: this.state(), rooms: this.directory.rooms, roster: this.#roster };
  }

  subscribe(listener: (ev: UiEvent) => void): () => void {
    return this.ui.on('event', listener);
  }

  offeredFile(ticket: string) {
    return this.ui.offeredFile(ticket);
  }

  /** `session` defaults to one that never closes (in-process callers, tests). */
  handle(req: UiRequest, session?: UiSession): Promise<unknown> {
    return this.ui.dispatch(req, session);
  }

  /**
   * Runs one host or join. The room slot is claimed synchronously, so two concurrent calls cannot
   * both run; `leave()` aborts `open`'s signal and waits for it to unwind. Once `open` gives a
   * room, it becomes the agent's and every feature enters it, in the declared order.
   */
  async #entry<R extends Room>(kind: 'host' | 'join', open: (signal: AbortSignal) => Promise<{ room: R; phase: Phase }>): Promise<R> {
    if (this.#closing) throw new CamvidError('CLOSED', 'The agent is shutting down.');
    if (this.#room || this.#entering) throw new CamvidError('ALREADY_IN_ROOM');
    const abort = new AbortController();
    const work = (async () => {
      const { room, phase } = await open(abort.signal);
      if (abort.signal.aborted) {
        await room.close();
        throw new CamvidError('CLOSED', 'Left the room before it was ready.');
      }
      this.#room = room;
      this.#setRoster(room.roster());
      this.#setPhase(phase);
      const { ctx } = room;
      const entries = this.#order.map(([name, f]) =>
        Promise.resolve()
          .then(() => f.enterRoom?.(ctx, ctx.signal))
          .catch((err: Error) => log.error(`${name} could not enter the room:`, err.message)),
      );
      await Promise.all(entries);
      return room;
    })();
    this.#entering = { kind, abort, settled: work.then(() => {}, () => {}) };
    try {
      return await work;
    } finally {
      if (this.#entering?.abort === abort) this.#entering = null;
    }
  }

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    this.#emitState();
  }

  #setRoster(members: RosterEntry[]): void {
    this.#roster = members;
    this.emit('roster', members);
    this.ui.push({ type: 'roster', members });
  }

  #emitState(): void {
    this.ui.push({ type: 'state', state: this.state() });
  }
}
