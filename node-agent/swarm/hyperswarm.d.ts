/**
 * The parts of `hyperswarm` and `hyperdht` (plain JavaScript, no shipped types) that CAMVID uses.
 * See their READMEs; kept minimal on purpose so an upgrade that changes them fails to compile here.
 */
declare module 'hyperdht' {
  import type { EventEmitter } from 'node:events';
  export interface HostPort {
    host: string;
    port: number;
  }
  export interface DhtOptions {
    bootstrap?: HostPort[] | string[];
    /** address to bind the UDP sockets to */
    host?: string;
    port?: number;
    ephemeral?: boolean;
    /** false: do not assume a NAT; needed when every node sits on one host (see docs/swarm.md) */
    firewalled?: boolean;
    anyPort?: boolean;
  }
  export default class DHT extends EventEmitter {
    constructor(opts?: DhtOptions);
    static bootstrapper(port: number, host: string, opts?: DhtOptions): DHT;
    static keyPair(seed?: Buffer): { publicKey: Buffer; secretKey: Buffer };
    /** peers announced on a topic, as an async iterable of query replies */
    lookup(topic: Buffer): AsyncIterable<{ peers: { publicKey: Buffer }[] }>;
    /** a Noise stream straight to a peer's key (tests use it to reach a host like a stranger) */
    connect(remotePublicKey: Buffer, opts?: { keyPair?: { publicKey: Buffer; secretKey: Buffer } }): import('node:stream').Duplex;
    readonly bootstrapped: boolean;
    readonly destroyed: boolean;
    ready(): Promise<void>;
    fullyBootstrapped(): Promise<void>;
    address(): { host: string; port: number; family: number };
    /** the routing table's nodes */
    toArray(opts?: { limit?: number }): HostPort[];
    refresh(): void;
    destroy(opts?: { force?: boolean }): Promise<void>;
  }
}

declare module 'hyperswarm' {
  import type { EventEmitter } from 'node:events';
  import type { Duplex } from 'node:stream';
  import type DHT from 'hyperdht';
  export interface PeerInfo {
    publicKey: Buffer;
    /** topics this (client) connection was found through; empty for server connections */
    topics: Buffer[];
    client: boolean;
    ban(banned?: boolean): void;
  }
  /** A Noise-encrypted duplex to one peer. */
  export interface SwarmConnection extends Duplex {
    remotePublicKey: Buffer;
    rawStream: { remoteHost?: string; remotePort?: number } | null;
  }
  export interface PeerDiscovery {
    flushed(): Promise<void>;
    refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>;
    destroy(): Promise<void>;
  }
  export interface SwarmOptions {
    dht?: DHT;
    bootstrap?: { host: string; port: number }[];
    maxPeers?: number;
    firewall?: (remotePublicKey: Buffer) => boolean;
  }
  export default class Hyperswarm extends EventEmitter {
    constructor(opts?: SwarmOptions);
    readonly dht: DHT;
    readonly connections: Set<SwarmConnection>;
    readonly destroyed: boolean;
    join(topic: Buffer, opts?: { server?: boolean; client?: boolean }): PeerDiscovery;
    leave(topic: Buffer): Promise<void>;
    flush(): Promise<void>;
    destroy(opts?: { force?: boolean }): Promise<void>;
    on(event: 'connection', listener: (conn: SwarmConnection, info: PeerInfo) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
