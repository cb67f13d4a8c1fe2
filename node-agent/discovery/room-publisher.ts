/**
 * Announces one room on the LAN over mDNS/DNS-SD: `_camvid._tcp`, instance name
 * `<room name> (<short room id>)`, TXT from `encodeRoomTxt`. The publisher only advertises:
 * browsers list the room only while its signalling port answers `/camvid/ping` (see probe.ts).
 */
import type { Bonjour, Service } from 'bonjour-service';
import { instanceName, roomId, roomName, displayName } from '../../protocol/common.js';
import { CamvidError } from '../../protocol/errors.js';
import { encodeRoomTxt } from '../../protocol/txt.js';
import { SERVICE_TYPE } from '../../protocol/version.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import { createBonjour, destroyBonjour } from './mdns.js';

const log = createLogger('agent:discovery:publish');

/** How long close() waits for the goodbye packet to leave before destroying the socket anyway. */
const GOODBYE_TIMEOUT_MS = 1000;

export interface PublishedRoom {
  /** room id, 16 hex */
  id: string;
  /** room name, e.g. "Computer Networks" */
  name: string;
  /** the host's display name */
  hostName: string;
  /** signalling port (also the SRV port) */
  port: number;
}

export interface RoomPublisherOptions {
  room: PublishedRoom;
  /** IPv4 address of the one interface to announce on; default: every IPv4 interface. */
  interface?: string;
  /**
   * SRV target / A record name. Default `camvid-<room id>.local`: unique per room, so the A
   * records of two hosts never collide (network namespaces, and machines cloned from one image,
   * share one hostname).
   */
  host?: string;
}

export type RoomPublisherEvents = {
  /** The first announcement has been sent. */
  up: [];
  /** The mDNS socket failed (e.g. EACCES); the room is not being announced. */
  error: [err: Error];
};

export class RoomPublisher extends TypedEmitter<RoomPublisherEvents> {
  readonly room: Readonly<PublishedRoom>;
  readonly instanceName: string;
  readonly #bonjour: Bonjour;
  readonly #service: Service;
  #published = false;
  #closing: Promise<void> | undefined;
  /** Rejecters of pending ready() calls, so close() does not leave them hanging. */
  readonly #pendingReady = new Set<(err: Error) => void>();

  constructor(opts: RoomPublisherOptions) {
    super();
    const { room } = opts;
    // Validate here, so a bad room fails at the caller and not as garbage on the LAN.
    try {
      roomId(room.id, 'room.id');
      roomName(room.name, 'room.name');
      displayName(room.hostName, 'room.hostName');
    } catch (err) {
      throw new TypeError((err as Error).message);
    }
    if (!Number.isInteger(room.port) || room.port < 1 || room.port > 65535) {
      throw new TypeError(`room.port: expected an integer in [1, 65535], got ${room.port}`);
    }
    this.room = Object.freeze({ ...room });
    this.instanceName = instanceName(room.name, room.id);

    const { bonjour } = createBonjour({
      interface: opts.interface,
      log,
      onError: (err) => this.emit('error', err),
    });
    this.#bonjour = bonjour;
    this.#service = bonjour.publish({
      name: this.instanceName,
      type: SERVICE_TYPE,
      protocol: 'tcp',
      port: room.port,
      host: opts.host ?? `camvid-${room.id}.local`,
      txt: encodeRoomTxt({ id: room.id, room: room.name, host: room.hostName, port: room.port }),
      // bonjour-service's probe, on finding the name taken, "unpublishes" by sending a goodbye
      // for that name, which makes every browser drop the room that holds it. The name carries
      // the random room id, so the only real conflict is this same room announced twice (a
      // restart while caches still hold it), and then announcing over it is right.
      probe: false,
    });
    this.#service.once('up', () => {
      this.#published = true;
      log.debug('published', this.instanceName, 'port', room.port);
      this.emit('up');
    });
  }

  /** True once the first announcement has been sent, false again after close(). */
  get published(): boolean {
    return this.#published && this.#closing === undefined;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Resolves when the first announcement has been sent; rejects with CLOSED after close(). */
  ready(): Promise<void> {
    if (this.#closing) return Promise.reject(new CamvidError('CLOSED', 'RoomPublisher is closed'));
    if (this.#published) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (err?: Error) => {
        offUp();
        offError();
        this.#pendingReady.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      const offUp = this.once('up', () => settle());
      const offError = this.once('error', (err) => settle(err));
      this.#pendingReady.add(settle);
    });
  }

  /**
   * Sends the goodbye (TTL 0 records, so browsers drop the room at once) and closes the socket.
   * Idempotent: a second call returns the same promise. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const settle of [...this.#pendingReady]) {
      settle(new CamvidError('CLOSED', 'RoomPublisher closed before it was announced'));
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GOODBYE_TIMEOUT_MS);
      timer.unref();
      try {
        this.#service.stop(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch (err) {
        log.debug('unpublish threw', err);
        clearTimeout(timer);
        resolve();
      }
    });
    await destroyBonjour(this.#bonjour, log);
    this.#published = false;
    this.removeAllListeners();
    log.debug('closed', this.instanceName);
  }
}
