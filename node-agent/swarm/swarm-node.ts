/**
 * This agent's presence on a HyperDHT: one Hyperswarm (and its DHT) with an explicit bootstrap
 * list. Created without waiting for anything, so startup and the LAN path never wait on the swarm.
 * It detects an unreachable DHT itself (hyperdht never errors for that: it just has an empty
 * routing table) and says so within UNREACHABLE_AFTER_MS (< 10 s), then keeps trying in the background.
 * Every connection gets an `error` listener at once (hyperswarm crashes the process on a reset
 * stream without one). It owns the swarm, the DHT and every connection until handed on.
 */
import DHT from 'hyperdht';
import Hyperswarm, { type PeerDiscovery, type PeerInfo, type SwarmConnection } from 'hyperswarm';
import type { DhtState } from '../../protocol/swarm.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';

const log = createLogger('agent:swarm');
/**
 * The bound is 10 s for a person to learn that no bootstrap node answers; 9 s leaves room for
 * a loaded machine's timer and output delays.
 */
export const UNREACHABLE_AFTER_MS = 9_000;
/** After the deadline, the routing table is checked (and, when empty, the bootstrap asked again) this often. */
const RETRY_MS = 5_000;
/**
 * Two peers that join at the same moment may miss each other for the whole refresh period of
 * hyperswarm (10 min): a topic we search is looked up again this often until a peer answers.
 */
const SEARCH_REFRESH_MS = [1_000, 2_000, 3_000, 5_000, 8_000];
/** swarm connections at most: a host keeps one per student who came over the swarm */
const MAX_PEERS = 512;

export interface HostPort {
  host: string;
  port: number;
}

export interface SwarmNodeOptions {
  bootstrap: HostPort[];
  /**
   * Whether to assume this machine is behind a NAT. Default: false when every bootstrap node is on
   * loopback (all nodes on one host stay "firewalled" otherwise and never connect), else true.
   */
  firewalled?: boolean;
  /** address for the DHT's UDP sockets (tests: 127.0.0.1) */
  bindAddress?: string;
  unreachableAfterMs?: number;
}

export type SwarmNodeEvents = {
  state: [state: DhtState];
  connection: [conn: SwarmConnection, info: PeerInfo];
};

/** One topic this node takes part in; `leave()` ends it. */
export interface TopicHandle {
  /** resolves once the DHT has the announcement / the first lookup finished */
  flushed(): Promise<void>;
  /** look the topic up again now (a student that has no host yet) */
  refresh(): void;
  leave(): Promise<void>;
}

export const formatHostPorts = (list: HostPort[]): string[] => list.map((b) => `${b.host}:${b.port}`);
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

export class SwarmNode extends TypedEmitter<SwarmNodeEvents> {
  readonly swarm: Hyperswarm;
  #state: DhtState = 'bootstrapping';
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #topics = new Map<string, PeerDiscovery>();
  #closing: Promise<void> | null = null;
  /** the periodic health check started at the deadline */
  #watching = false;

  constructor(readonly opts: SwarmNodeOptions) {
    super();
    const firewalled = opts.firewalled ?? !opts.bootstrap.every((b) => isLoopback(b.host));
    const dht = new DHT({ bootstrap: opts.bootstrap, host: opts.bindAddress, firewalled });
    // hyperswarm's default of 64 connections would cap a host's class; students hold one each.
    this.swarm = new Hyperswarm({ dht, maxPeers: MAX_PEERS });
    dht.on('error', (err) => log.warn('DHT error:', (err as Error).message));
    this.swarm.on('error', (err) => log.warn('swarm error:', (err as Error).message));
    this.swarm.on('connection', (conn, info) => {
      conn.on('error', (err: Error) => log.debug('swarm connection error:', err.message));
      if (this.#closing) return conn.destroy();
      this.emit('connection', conn, info);
    });
    dht.on('ready', () => this.#check());
    this.#after(opts.unreachableAfterMs ?? UNREACHABLE_AFTER_MS, () => this.#check(true));
  }

  get state(): DhtState {
    return this.#state;
  }

  /** nodes in the routing table (0 while unreachable) */
  get nodes(): number {
    return this.#closing ? 0 : this.swarm.dht.toArray().length;
  }

  /** Announces (server) or looks up (client) a topic; a client search refreshes until a peer answers. */
  join(topic: Buffer, mode: 'server' | 'client'): TopicHandle {
    const key = topic.toString('hex');
    const discovery = this.swarm.join(topic, { server: mode === 'server', client: mode === 'client' });
    this.#topics.set(key, discovery);
    let step = 0;
    let timer: NodeJS.Timeout | null = null;
    const schedule = () => {
      if (mode !== 'client' || this.#closing || !this.#topics.has(key)) return;
      const delay = SEARCH_REFRESH_MS[Math.min(step++, SEARCH_REFRESH_MS.length - 1)]!;
      timer = this.#after(delay, () => {
        if (![...this.swarm.connections].length) background(discovery.refresh(), log, 'looking the topic up again', 'debug');
        schedule();
      });
    };
    // flushed() then refresh(): two peers that join together otherwise wait 10+ minutes (measured).
    background(discovery.flushed().then(() => discovery.refresh()), log, 'the first lookup of a topic', 'debug');
    schedule();
    return {
      flushed: () => discovery.flushed(),
      refresh: () => background(discovery.refresh(), log, 'looking the topic up again', 'debug'),
      leave: async () => {
        if (timer) this.#clear(timer);
        if (this.#topics.get(key) !== discovery) return;
        this.#topics.delete(key);
        await this.swarm.leave(topic).catch(() => {});
      },
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const t of this.#timers) clearTimeout(t);
      this.#timers.clear();
      this.#topics.clear();
      for (const conn of this.swarm.connections) conn.destroy();
      await this.swarm.destroy({ force: true }).catch((err: Error) => log.debug('swarm destroy:', err.message));
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  /**
   * Decides ready/unreachable from the routing table. Before the deadline (10 s) only a finished
   * bootstrap with no node says unreachable; after it, an empty table does, checked every RETRY_MS
   * for as long as the node lives (a bootstrap node may start later, or die), asking again each time.
   */
  #check(deadline = false): void {
    if (this.#closing) return;
    if (deadline && !this.#watching) {
      this.#watching = true;
      const watch = () => {
        this.#after(RETRY_MS, () => {
          if (this.nodes === 0) this.swarm.dht.refresh();
          this.#check();
          watch();
        });
      };
      watch();
    }
    if (this.nodes > 0) return this.#setState('ready');
    if (this.#watching || this.swarm.dht.bootstrapped) this.#setState('unreachable');
  }

  #setState(state: DhtState): void {
    if (this.#state === state) return;
    const was = this.#state;
    this.#state = state;
    log.debug(`DHT ${was} → ${state} (${this.nodes} nodes)`);
    // Back from unreachable: look every topic up / announce it again now, not in 10 minutes.
    if (state === 'ready' && was === 'unreachable') for (const d of this.#topics.values()) background(d.refresh(), log, 'looking the topic up again', 'debug');
    this.emit('state', state);
  }

  #after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.#timers.add(t);
    return t;
  }

  #clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.#timers.delete(t);
  }
}
