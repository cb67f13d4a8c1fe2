/**
 * A bonjour-service instance hardened against the LAN. Anything on the network can send mDNS
 * packets, and bonjour-service has three ways to let one of them (or a socket error) kill the
 * process: its multicast-dns socket emits 'error' with no listener (EACCES/EADDRINUSE on bind),
 * its query responder's default error callback rethrows a failed send from a dgram callback, and a
 * 'response'/'query' listener that throws unwinds through the socket's 'message' handler.
 * `createBonjour` closes all three: errors go to `onError`, and every listener runs in a try/catch.
 */
import { Bonjour } from 'bonjour-service';
import type { Logger } from '../log.js';

/** The slice of multicast-dns that we touch (bonjour-service keeps it in a private field). */
export interface MulticastDns {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  rawListeners(event: string): Function[];
  emit(event: string, ...args: unknown[]): boolean;
}

export interface HardenedBonjour {
  bonjour: Bonjour;
  mdns: MulticastDns;
}

export interface CreateBonjourOptions {
  /**
   * IPv4 address of the one interface to use for multicast (membership and outgoing packets).
   * The socket still binds to 0.0.0.0: on Linux a socket bound to a unicast address never
   * receives packets sent to 224.0.0.251.
   */
  interface?: string;
  log: Logger;
  onError?: (err: Error) => void;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export function createBonjour(opts: CreateBonjourOptions): HardenedBonjour {
  const { log } = opts;
  const report = (err: unknown) => {
    try {
      opts.onError?.(asError(err));
    } catch (inner) {
      log.error('error handler threw', inner);
    }
  };
  // bonjour-service passes these on to multicast-dns, though its types only name ServiceConfig.
  const mdnsOpts = (opts.interface ? { interface: opts.interface, bind: '0.0.0.0' } : {}) as object;
  // The error callback receives send failures of answers to queries (e.g. no multicast route).
  const bonjour = new Bonjour(mdnsOpts, (err: unknown) => {
    log.debug('mdns send failed', asError(err).message);
  });
  const mdns = (bonjour as unknown as { server: { mdns: MulticastDns } }).server.mdns;
  guardEmitter(mdns, log);
  mdns.on('error', (err: unknown) => {
    log.warn('mdns socket error', asError(err).message);
    report(err);
  });
  mdns.on('warning', (err: unknown) => log.debug('mdns warning', asError(err).message));
  return { bonjour, mdns };
}

/**
 * Replaces `emit` so that each listener runs on its own: one that throws is logged and neither
 * stops the others nor escapes into the socket's 'message' handler. rawListeners keeps the
 * `once` wrappers, so once-listeners still remove themselves.
 */
export function guardEmitter(mdns: MulticastDns, log: Logger): void {
  const original = mdns.emit.bind(mdns);
  mdns.emit = (event: string, ...args: unknown[]): boolean => {
    const listeners = mdns.rawListeners(event);
    if (event === 'error' && listeners.length === 0) return original(event, ...args);
    for (const listener of listeners) {
      try {
        listener.apply(mdns, args);
      } catch (err) {
        log.warn(`mdns "${event}" listener threw (packet ignored)`, asError(err).message);
      }
    }
    return listeners.length > 0;
  };
}

/** Destroys the instance; resolves even if the socket never opened or the callback never comes. */
export function destroyBonjour(bonjour: Bonjour, log: Logger, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      bonjour.destroy(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch (err) {
      log.debug('destroy threw', asError(err).message);
      clearTimeout(timer);
      resolve();
    }
  });
}
