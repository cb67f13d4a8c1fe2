/**
 * Connects a component to the AgentClient it was given as a property (or to a page-side model
 * with the same `subscribe`): subscribes while the component is connected and re-renders it on
 * every change the agent pushes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Anything that calls its listeners on change (the AgentClient, the podcast's model, …). */
export interface Subscribable {
  subscribe(listener: () => void): () => void;
}

export class AgentController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #getClient: () => Subscribable | undefined;
  #subscribed: Subscribable | undefined;
  #unsubscribe: (() => void) | undefined;

  /** `getClient` reads the host's `client` property, which may be set after it connects. */
  constructor(host: ReactiveControllerHost, getClient: () => Subscribable | undefined) {
    this.#host = host;
    this.#getClient = getClient;
    host.addController(this);
  }

  hostConnected(): void {
    this.#sync();
  }

  /** Runs before each render: picks up a client that was set or replaced since. */
  hostUpdate(): void {
    this.#sync();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#subscribed = undefined;
  }

  #sync(): void {
    const client = this.#getClient();
    if (client === this.#subscribed) return;
    this.hostDisconnected();
    if (!client) return;
    this.#subscribed = client;
    this.#unsubscribe = client.subscribe(() => this.#host.requestUpdate());
  }
}
