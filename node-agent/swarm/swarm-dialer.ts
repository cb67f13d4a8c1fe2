/**
 * A student's way to the host over the swarm: searches the room's topic and turns each connection
 * found there into an authenticated session (the same handshake as on the LAN, over a
 * StreamTransport). RoomMember calls `dial()` to join and again after every lost session; a
 * connection that arrives while nobody dials waits (the newest one) for the next `dial()`.
 */
import type { SwarmConnection } from 'hyperswarm';
import { CamvidError } from '../../protocol/errors.js';
import type { SwarmRoomState } from '../../protocol/swarm.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import { joinOver, type HandshakeOptions, type MemberSession } from '../signalling/signal-client.js';
import { StreamTransport } from '../signalling/stream-transport.js';
import type { SwarmNode, TopicHandle } from './swarm-node.js';

const log = createLogger('agent:swarm');
/** How long one dial waits for a peer on the topic (the DHT lookup itself takes ~0.1–2 s). */
const DIAL_TIMEOUT_MS = 20_000;

export const swarmAddress = (conn: SwarmConnection): string =>
  `swarm:${conn.rawStream?.remoteHost ?? conn.remotePublicKey.toString('hex').slice(0, 12)}`;

export class SwarmDialer {
  #handle: TopicHandle | null;
  #waiting: SwarmConnection | null = null;
  #wanted: { take: (conn: SwarmConnection) => void; cancel: () => void } | null = null;
  #session: MemberSession | null = null;
  #state: SwarmRoomState = 'searching';
  #closed = false;

  constructor(
    private readonly node: SwarmNode,
    readonly topic: Buffer,
    private readonly handshake: HandshakeOptions,
    private readonly onState: (state: SwarmRoomState) => void,
  ) {
    this.#handle = node.join(topic, 'client');
  }

  get state(): SwarmRoomState {
    return this.#state;
  }

  /** A connection the swarm found on our topic. */
  offer(conn: SwarmConnection): void {
    if (this.#closed) return void conn.destroy();
    if (this.#wanted) return this.#wanted.take(conn);
    this.#waiting?.destroy();
    this.#waiting = conn;
    conn.once('close', () => {
      if (this.#waiting === conn) this.#waiting = null;
    });
  }

  /** The next authenticated session with the host; UNREACHABLE when no host answers in time. */
  async dial(timeoutMs = DIAL_TIMEOUT_MS): Promise<MemberSession> {
    if (this.#closed) throw new CamvidError('CLOSED');
    this.#setState('searching');
    const conn = await this.#nextConnection(timeoutMs);
    this.#setState('found');
    try {
      const session = await joinOver(new StreamTransport(conn, swarmAddress(conn)), this.handshake);
      if (this.#closed) {
        session.close();
        throw new CamvidError('CLOSED');
      }
      this.#session = session;
      this.#setState('connected');
      session.on('close', () => {
        if (this.#session !== session) return;
        this.#session = null;
        if (!this.#closed) this.#setState('searching');
      });
      return session;
    } catch (err) {
      if (!this.#closed) this.#setState('searching');
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wanted?.cancel(); // a dial in progress ends now, not at its timeout
    this.#waiting?.destroy();
    this.#waiting = null;
    if (this.#handle) background(this.#handle.leave(), log, 'leaving the room topic');
    this.#handle = null;
  }

  #nextConnection(timeoutMs: number): Promise<SwarmConnection> {
    const ready = this.#waiting;
    if (ready && !ready.destroyed) {
      this.#waiting = null;
      return Promise.resolve(ready);
    }
    this.#handle?.refresh();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wanted = null;
        const why = this.node.state === 'unreachable' ? ' (no DHT bootstrap node answers)' : '';
        reject(new CamvidError('UNREACHABLE', `No host for this room was found on the swarm within ${Math.round(timeoutMs / 1000)} s${why}.`));
      }, timeoutMs);
      this.#wanted = {
        take: (conn) => {
          clearTimeout(timer);
          this.#wanted = null;
          resolve(conn);
        },
        cancel: () => {
          clearTimeout(timer);
          this.#wanted = null;
          reject(new CamvidError('CLOSED', 'Stopped searching the swarm.'));
        },
      };
    });
  }

  #setState(state: SwarmRoomState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.onState(state);
  }
}
