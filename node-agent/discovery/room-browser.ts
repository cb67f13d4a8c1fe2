/**
 * Lists the CAMVID rooms on the LAN. mDNS says which rooms exist; a room is listed only while its
 * host's signalling port answers `/camvid/ping` with the room id from its TXT record, because mDNS
 * alone keeps a `kill -9`ed host (no goodbye) for hours. Every mDNS packet is treated as hostile:
 * bad TXT records are ignored, listener exceptions are contained (mdns.ts), and the number of hosts
 * probed is bounded so a flood of fake announcements cannot turn the class into a ping flood.
 */
import net from 'node:net';
import type { Browser, Service } from 'bonjour-service';
import { parseRoomTxt, type RoomTxt } from '../../protocol/txt.js';
import type { DiscoveredRoom } from '../../protocol/ui.js';
import { SERVICE_TYPE } from '../../protocol/version.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import { createBonjour, destroyBonjour, type HardenedBonjour } from './mdns.js';
import { DEFAULT_PROBE_TIMEOUT_MS, probeRoom } from './probe.js';

const log = createLogger('agent:discovery:browse');

/** With 2 failures to drop, a dead host vanishes after 2 intervals (+ timeout): well under 5 s. */
export const DEFAULT_PROBE_INTERVAL_MS = 1000;
export const DEFAULT_MAX_FAILURES = 2;
const TICKS_PER_INTERVAL = 4;
const MIN_TICK_MS = 50;
/** Queries go out at 0, 1, 3, 7, 15 s, then every REQUERY_INTERVAL_MS (RFC 6762 §5.2 style). */
const REQUERY_FIRST_MS = 1000;
export const DEFAULT_REQUERY_INTERVAL_MS = 10_000;
/** A dead room is re-probed with backoff up to this, in case it comes back without announcing. */
const MAX_DEAD_BACKOFF_MS = 8000;
/** A dead room that mDNS has not mentioned for this long is not probed until it is heard again. */
const DORMANT_AFTER_MS = 30_000;
/** Far more rooms than one LAN has; bounds the probes an mDNS flood can cause. */
const MAX_PROBED = 64;

export type ProbeFn = (address: string, port: number, roomId: string, timeoutMs: number) => Promise<boolean>;

export interface RoomBrowserOptions {
  /** IPv4 address of the one interface to browse on; default: every IPv4 interface. */
  interface?: string;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** Consecutive failed probes after which a room is no longer listed. */
  maxFailures?: number;
  requeryIntervalMs?: number;
  /** Replaces the HTTP probe (tests). */
  probe?: ProbeFn;
}

export type RoomBrowserEvents = {
  /** The current list of live rooms (sorted by name, then id), whenever it changes. */
  rooms: [rooms: DiscoveredRoom[]];
  /** The mDNS socket failed (e.g. EACCES); nothing more will be discovered. */
  error: [err: Error];
};

/** One DNS-SD service instance (fqdn) that bonjour reports. Several may claim one room id. */
interface Candidate {
  key: string;
  txt: RoomTxt | null;
  address: string | null;
  alive: boolean;
  failures: number;
  inFlight: boolean;
  nextProbeAt: number;
  /** When the last probe started (0: never). */
  probedAt: number;
  /** Last time an mDNS response carried this instance's SRV or TXT record. */
  seenAt: number;
  /**
   * Where a dead room was heard from again, when that is not where bonjour still has it (it never
   * updates a known instance's addresses): a host back on a new address after a restart.
   */
  heard: string | null;
}

interface MdnsRecord {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
  data?: unknown;
}

export class RoomBrowser extends TypedEmitter<RoomBrowserEvents> {
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;
  readonly #maxFailures: number;
  readonly #requeryIntervalMs: number;
  readonly #probe: ProbeFn;
  readonly #mdns: HardenedBonjour;
  readonly #browser: Browser;
  readonly #candidates = new Map<string, Candidate>();
  readonly #disposables: Array<() => void> = [];
  #rooms: DiscoveredRoom[] = [];
  #roomsKey = '[]';
  #kickPending = false;
  #requeryTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(opts: RoomBrowserOptions = {}) {
    super();
    this.#probeIntervalMs = positive(opts.probeIntervalMs, DEFAULT_PROBE_INTERVAL_MS, 'probeIntervalMs');
    this.#probeTimeoutMs = positive(opts.probeTimeoutMs, DEFAULT_PROBE_TIMEOUT_MS, 'probeTimeoutMs');
    this.#maxFailures = positive(opts.maxFailures, DEFAULT_MAX_FAILURES, 'maxFailures');
    this.#requeryIntervalMs = positive(opts.requeryIntervalMs, DEFAULT_REQUERY_INTERVAL_MS, 'requeryIntervalMs');
    this.#probe = opts.probe ?? probeRoom;

    this.#mdns = createBonjour({ interface: opts.interface, log, onError: (err) => this.emit('error', err) });
    const onResponse = (packet: { answers?: unknown; additionals?: unknown }, rinfo?: { address?: string }) => this.#onResponse(packet, rinfo?.address);
    this.#mdns.mdns.on('response', onResponse);
    this.#disposables.push(() => this.#mdns.mdns.removeListener('response', onResponse));

    this.#browser = this.#mdns.bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' });
    const kick = () => this.#kick();
    for (const event of ['up', 'down', 'srv-update', 'txt-update'] as const) {
      this.#browser.on(event, kick);
      this.#disposables.push(() => this.#browser.off(event, kick));
    }
    this.#disposables.push(() => this.#browser.stop());

    // Each room keeps its own probe schedule (a probe may start off-tick, after an mDNS event);
    // ticking 4x per interval keeps every gap between probes within 1.25 intervals.
    const tick = setInterval(() => this.#tick(), Math.max(MIN_TICK_MS, this.#probeIntervalMs / TICKS_PER_INTERVAL));
    this.#disposables.push(() => clearInterval(tick));
    this.#scheduleRequery(REQUERY_FIRST_MS);
    this.#disposables.push(() => clearTimeout(this.#requeryTimer));
  }

  /** The live rooms as last emitted. */
  get rooms(): DiscoveredRoom[] {
    return this.#rooms.map((r) => ({ ...r }));
  }

  /** The first room `match` accepts, now or as it appears; undefined after `timeoutMs`. */
  waitFor(match: (r: DiscoveredRoom) => boolean, timeoutMs: number): Promise<DiscoveredRoom | undefined> {
    const now = this.rooms.find(match);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(undefined);
      }, timeoutMs);
      const off = this.on('rooms', (rooms) => {
        const room = rooms.find(match);
        if (!room) return;
        clearTimeout(timer);
        off();
        resolve(room);
      });
    });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Sends a PTR query now (e.g. when the user opens the room list). */
  update(): void {
    if (this.#closing) return;
    try {
      this.#browser.update();
    } catch (err) {
      log.debug('query failed', err);
    }
  }

  /** Stops browsing and probing. Idempotent: a second call returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const dispose of this.#disposables.splice(0).reverse()) {
      try {
        dispose();
      } catch (err) {
        log.debug('dispose threw', err);
      }
    }
    this.#candidates.clear();
    await destroyBonjour(this.#mdns.bonjour, log);
    this.removeAllListeners();
  }

  #scheduleRequery(delayMs: number): void {
    this.#requeryTimer = setTimeout(() => {
      this.update();
      this.#scheduleRequery(Math.min(delayMs * 2, this.#requeryIntervalMs));
    }, delayMs);
  }

  /** Runs a tick soon, coalescing the bursts of events one mDNS packet can cause. */
  #kick(): void {
    if (this.#kickPending || this.#closing) return;
    this.#kickPending = true;
    setImmediate(() => {
      this.#kickPending = false;
      this.#tick();
    });
  }

  /** Notes which known instances a response mentions: a dead room heard again is probed at once. */
  #onResponse(packet: { answers?: unknown; additionals?: unknown }, from?: string): void {
    const records = [packet.answers, packet.additionals].flatMap((x) => (Array.isArray(x) ? x : [])) as MdnsRecord[];
    const now = Date.now();
    let heard = false;
    for (const rr of records) {
      if ((rr?.type !== 'SRV' && rr?.type !== 'TXT') || typeof rr.name !== 'string') continue;
      if (typeof rr.ttl !== 'number' || rr.ttl <= 0) continue;
      const candidate = this.#candidates.get(rr.name.toLowerCase());
      if (!candidate) continue;
      candidate.seenAt = now;
      // A dead room heard from another address: probe it there (an alive room's is never replaced).
      const referer = from ? { address: from, family: 'IPv4' as const, port: 5353, size: 0 } : undefined;
      const moved = candidate.alive ? null : pickAddress({ addresses: addressesIn(records), referer });
      if (moved && moved !== candidate.address) {
        log.debug('room heard at a new address', candidate.txt?.id, moved);
        candidate.heard = candidate.address = moved;
        candidate.failures = 0;
        candidate.nextProbeAt = 0;
        heard = true;
      }
      // Not sooner than one interval after the last probe: repeating a dead room's records must
      // not let a LAN host drive the probe rate.
      const soonest = candidate.probedAt + this.#probeIntervalMs;
      if (!candidate.alive && candidate.nextProbeAt > Math.max(now, soonest)) {
        candidate.nextProbeAt = soonest;
        heard = true;
      }
    }
    if (heard) this.#kick();
  }

  #tick(): void {
    if (this.#closing) return;
    this.#sync();
    const now = Date.now();
    let probed = 0;
    for (const c of this.#candidates.values()) {
      if (!c.txt || !c.address || c.nextProbeAt === Infinity) continue;
      if (++probed > MAX_PROBED) break;
      if (!c.inFlight && now >= c.nextProbeAt) background(this.#probeCandidate(c, c.txt, c.address), log, 'probing a room');
    }
    this.#publishRooms();
  }

  /** Mirrors bonjour's service list: new instances, changed TXT/address, goodbyes. */
  #sync(): void {
    const present = new Set<string>();
    const now = Date.now();
    for (const service of this.#browser.services as Service[]) {
      if (typeof service?.fqdn !== 'string') continue;
      const key = service.fqdn.toLowerCase();
      present.add(key);
      const txt = parseRoomTxt(service.txt);
      const c = this.#candidates.get(key);
      const address = c?.heard ?? pickAddress(service);
      if (!c) {
        this.#candidates.set(key, {
          key, txt, address, alive: false, failures: 0, inFlight: false, nextProbeAt: 0, probedAt: 0, seenAt: now, heard: null,
        });
        if (!txt) log.debug('ignoring instance with a bad TXT record', key);
        continue;
      }
      if (c.txt?.id !== txt?.id) c.alive = false;
      if (c.txt?.id !== txt?.id || c.txt?.port !== txt?.port || c.address !== address) {
        c.txt = txt;
        c.address = address;
        c.failures = 0;
        c.nextProbeAt = 0;
      } else if (c.txt && txt && (c.txt.room !== txt.room || c.txt.host !== txt.host)) {
        c.txt = txt;
      }
    }
    for (const key of this.#candidates.keys()) {
      if (!present.has(key)) this.#candidates.delete(key); // goodbye
    }
  }

  async #probeCandidate(c: Candidate, txt: RoomTxt, address: string): Promise<void> {
    c.inFlight = true;
    const startedAt = Date.now();
    c.probedAt = startedAt;
    let ok = false;
    try {
      ok = await this.#probe(address, txt.port, txt.id, this.#probeTimeoutMs);
    } catch (err) {
      log.debug('probe threw', err);
    }
    c.inFlight = false;
    if (this.#closing || this.#candidates.get(c.key) !== c) return;
    // The record changed while we probed: the answer is about the old one (#sync re-armed it).
    if (c.txt?.id !== txt.id || c.txt?.port !== txt.port || c.address !== address) return;
    if (ok) {
      if (!c.alive) log.debug('room alive', txt.id, `${address}:${txt.port}`);
      c.alive = true;
      c.failures = 0;
      c.nextProbeAt = startedAt + this.#probeIntervalMs;
    } else {
      c.failures += 1;
      log.debug('probe failed', txt.id, `${address}:${txt.port}`, `#${c.failures}`, `${Date.now() - startedAt} ms`);
      if (c.failures < this.#maxFailures) {
        c.nextProbeAt = startedAt + this.#probeIntervalMs;
      } else {
        if (c.alive) log.debug('room gone (no answer)', txt.id, `${address}:${txt.port}`);
        c.alive = false;
        const backoff = this.#probeIntervalMs * 2 ** (c.failures - this.#maxFailures);
        c.nextProbeAt =
          Date.now() - c.seenAt > DORMANT_AFTER_MS ? Infinity : startedAt + Math.min(backoff, MAX_DEAD_BACKOFF_MS);
      }
    }
    this.#publishRooms();
  }

  #publishRooms(): void {
    const byId = new Map<string, DiscoveredRoom>();
    for (const c of this.#candidates.values()) {
      if (!c.alive || !c.txt || !c.address || byId.has(c.txt.id)) continue;
      byId.set(c.txt.id, { id: c.txt.id, name: c.txt.room, hostName: c.txt.host, address: c.address, port: c.txt.port });
    }
    const rooms = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const key = JSON.stringify(rooms);
    if (key === this.#roomsKey) return;
    this.#roomsKey = key;
    this.#rooms = rooms;
    this.emit('rooms', this.rooms);
  }
}

/**
 * The address to reach the host at: the packet's source when the host also lists it (it is on
 * the link we heard it on), else the first usable IPv4 it lists, else the packet's source (a
 * loopback-only host lists no addresses at all).
 */
export function pickAddress(service: Pick<Service, 'addresses' | 'referer'>): string | null {
  const usable = (a: unknown): a is string => typeof a === 'string' && net.isIPv4(a) && !unroutable(a);
  const listed = Array.isArray(service.addresses) ? service.addresses.filter(usable) : [];
  const referer = service.referer?.address;
  if (usable(referer) && listed.includes(referer)) return referer;
  if (listed.length > 0) return listed[0]!;
  return usable(referer) ? referer : null;
}

/** The IPv4 addresses of a response's A records (where its host says it is). */
function addressesIn(records: MdnsRecord[]): string[] {
  return records.filter((r) => r?.type === 'A' && typeof r.data === 'string' && net.isIPv4(r.data)).map((r) => r.data as string);
}

function unroutable(a: string): boolean {
  const first = Number(a.split('.')[0]);
  return a === '0.0.0.0' || a === '255.255.255.255' || (first >= 224 && first <= 239);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name}: expected a positive number`);
  return value;
}
