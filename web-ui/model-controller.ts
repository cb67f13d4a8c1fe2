/**
 * Connects a component to a page-side model that outlives it (one per AgentClient, e.g. the live
 * class's LiveWatch): subscribes while the component is connected, re-renders it on every change,
 * and tells the caller when it starts and stops showing that model.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Anything that calls its listeners on change (the AgentClient, the podcast's model, …). */
export interface Subscribable {
  subscribe(listener: () => void): () => void;
}

export interface ModelHooks<M> {
  /** the component starts showing `model` */
  attached?(model: M): void;
  /** the component stops showing `model` (disconnected, or another model replaced it) */
  detached?(model: M): void;
}

export class ModelController<M extends Subscribable> implements ReactiveController {
  model: M | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #getModel: () => M | undefined;
  readonly #hooks: ModelHooks<M>;
  #unsubscribe: (() => void) | undefined;

  constructor(host: ReactiveControllerHost, getModel: () => M | undefined, hooks: ModelHooks<M> = {}) {
    this.#host = host;
    this.#getModel = getModel;
    this.#hooks = hooks;
    host.addController(this);
  }

  hostConnected(): void {
    this.#sync();
  }

  /** Runs before each render: picks up a model whose client was set or replaced since. */
  hostUpdate(): void {
    this.#sync();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const model = this.model;
    this.model = undefined;
    if (model) this.#hooks.detached?.(model);
  }

  #sync(): void {
    const model = this.#getModel();
    if (model === this.model) return;
    this.hostDisconnected();
    if (!model) return;
    this.model = model;
    this.#unsubscribe = model.subscribe(() => this.#host.requestUpdate());
    this.#hooks.attached?.(model);
  }
}
