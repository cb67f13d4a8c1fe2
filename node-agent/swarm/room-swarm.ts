/**
 * The agent's rooms on the swarm: the host announces its room's topic and hands every swarm
 * connection to its SignalServer (the LAN handshake, unchanged); a student searches the topic
 * through a SwarmDialer. It turns the DHT's and the room's state into the SwarmStatus that the UI,
 * `--events` and the CLI show. Owned by the Agent; `close()` destroys the swarm.
 */
import { createHash } from 'node:crypto';
import type { SwarmConnection, PeerInfo } from 'hyperswarm';
import { formatRoomCode, type SwarmRoomState, type SwarmStatus } from '../../protocol/swarm.js';
import type { RoomKey } from '../auth/room-key.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { HostPin } from '../signalling/signal-client.js';
import type { SignalServer } from '../signalling/signal-server.js';
import { StreamTransport } from '../signalling/stream-transport.js';
import { TypedEmitter } from '../typed-emitter.js';
import { SwarmDialer, swarmAddress } from './swarm-dialer.js';
import { formatHostPorts, SwarmNode, type SwarmNodeOptions, type TopicHandle } from './swarm-node.js';

const log = createLogger('agent:swarm');
const TOPIC_LABEL = 'camvid/topic/v2';

/**
 * The room's DHT topic: SHA-256 over a label and the room id (the room code). Nothing of the
 * password goes in: a topic that depended on it (v1 hashed in the room key's public key) was an
 * offline verifier for whoever saw it on the DHT and knew the code, the one left after CPace. Now
 * the code finds the host, and every password guess is an online handshake the host throttles.
 */
export function roomTopic(roomId: string): Buffer {
  return createHash('sha256').update(TOPIC_LABEL).update('\0').update(roomId).digest();
}

export type RoomSwarmEvents = {
  status: [status: SwarmStatus];
};

interface Announced {
  roomId: string;
  handle: TopicHandle;
  server: SignalServer;
  state: SwarmRoomState;
  peers: Set<SwarmConnection>;
}

export class RoomSwarm extends TypedEmitter<RoomSwarmEvents> {
  readonly node: SwarmNode;
  #host: Announced | null = null;
  #student: { roomId: string; dialer: SwarmDialer } | null = null;
  #lastMessage = '';

  constructor(opts: SwarmNodeOptions) {
    super();
    this.node = new SwarmNode(opts);
    this.node.on('state', () => this.#changed());
    this.node.on('connection', (conn, info) => this.#route(conn, info));
  }

  /** Host: announce the room; students who find the topic get the SignalServer's handshake. */
  announce(roomId: string, server: SignalServer): void {
    this.stop();
    const handle = this.node.join(roomTopic(roomId), 'server');
    const host: Announced = { roomId, handle, server, state: 'announcing', peers: new Set() };
    this.#host = host;
    handle.flushed().then(
      () => {
        if (this.#host !== host || host.state !== 'announcing') return;
        host.state = host.peers.size ? 'connected' : 'announced';
        this.#changed();
      },
      (err: Error) => log.debug('announce failed:', err.message),
    );
    this.#changed();
  }

  /** Student: a dialer that finds the room's host on the swarm. */
  search(roomId: string, roomKey: RoomKey, pin?: HostPin): SwarmDialer {
    this.stop();
    const dialer = new SwarmDialer(this.node, roomTopic(roomId), { roomId, roomKey, pin }, () => this.#changed());
    this.#student = { roomId, dialer };
    this.#changed();
    return dialer;
  }

  /** Leaves the current room's topic (the agent left its room). */
  stop(): void {
    const host = this.#host;
    this.#host = null;
    if (host) background(host.handle.leave(), log, 'leaving the room topic');
    this.#student?.dialer.close();
    this.#student = null;
    this.#changed();
  }

  status(): SwarmStatus {
    const bootstrap = formatHostPorts(this.node.opts.bootstrap);
    const dht = this.node.state;
    let room: SwarmStatus['room'] = null;
    if (this.#host) room = { roomId: this.#host.roomId, role: 'host', state: this.#host.state, peers: this.#host.peers.size };
    else if (this.#student) {
      const state = this.#student.dialer.state;
      room = { roomId: this.#student.roomId, role: 'student', state, peers: state === 'connected' ? 1 : 0 };
    }
    return { dht, bootstrap, nodes: this.node.nodes, room, message: describe(dht, bootstrap, room) };
  }

  close(): Promise<void> {
    this.stop();
    this.removeAllListeners();
    return this.node.close();
  }

  #route(conn: SwarmConnection, info: PeerInfo): void {
    const host = this.#host;
    const student = this.#student;
    if (host && !info.client) {
      host.peers.add(conn);
      conn.once('close', () => {
        host.peers.delete(conn);
        if (this.#host === host && host.state === 'connected' && !host.peers.size) host.state = 'announced';
        this.#changed();
      });
      if (host.state !== 'announcing') host.state = 'connected';
      this.#changed();
      host.server.accept(new StreamTransport(conn, swarmAddress(conn)));
      return;
    }
    if (student && info.client && info.topics.some((t) => t.equals(student.dialer.topic))) return student.dialer.offer(conn);
    conn.destroy(); // not for a room we are in
  }

  #changed(): void {
    const status = this.status();
    // One event per visible change: the DHT, the room's state, its peers.
    const key = JSON.stringify({ ...status, nodes: status.nodes > 0 });
    if (key === this.#lastMessage) return;
    this.#lastMessage = key;
    this.emit('status', status);
  }
}

function describe(dht: SwarmStatus['dht'], bootstrap: string[], room: SwarmStatus['room']): string {
  if (dht === 'unreachable') {
    return `Swarm unreachable: no bootstrap node answered (${bootstrap.join(', ')}); still trying. Rooms on this network work as usual.`;
  }
  const dhtText = dht === 'ready' ? 'Swarm ready' : `Connecting to the swarm through ${bootstrap.join(', ')}`;
  if (!room) return `${dhtText}.`;
  const code = formatRoomCode(room.roomId);
  switch (room.state) {
    case 'announcing':
      return `${dhtText}; announcing room ${code}…`;
    case 'announced':
      return `Room announced on the swarm: students join with code ${code} and the password.`;
    case 'searching':
      return `${dhtText}; searching for room ${code}…`;
    case 'found':
      return `Found the host of room ${code} on the swarm; checking the password…`;
    case 'connected':
      return room.role === 'host'
        ? `Room ${code} on the swarm: ${room.peers} connection${room.peers === 1 ? '' : 's'}.`
        : `Connected to the host of room ${code} over the swarm.`;
  }
}
