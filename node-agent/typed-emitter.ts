/**
 * A typed EventEmitter (after mediasoup's EnhancedEventEmitter): a map from event name to argument
 * tuple, so a wrong name or payload fails to compile. A listener that throws is logged and does
 * not stop the others or the emitter's owner.
 */
import { EventEmitter } from 'node:events';
import { createLogger } from './log.js';

const log = createLogger('agent:events');

export type EventMap = Record<string, unknown[]>;

export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    const wrapped = (...args: E[K]) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): void {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (err) {
        log.error(`listener for "${event}" threw`, err);
      }
    }
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}
