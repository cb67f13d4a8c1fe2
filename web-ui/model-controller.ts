/**
 * The one way a component follows a model: the AgentClient itself, or a page-side model the client
 * keeps (`client.model(ChatModel)`, the live class's LiveWatch, …) or it was handed. Subscribes
 * when the component connects, re-renders it on every change, unsubscribes when it disconnects.
 *
 *   readonly #chat = new ModelController(this, () => this.client?.model(ChatModel));
 *   render() { const m = this.#chat.model; … }
 *
 * `getModel` is read again before each update, so a model that arrives later (the client from the
 * context, a property set by the parent) or is replaced is followed. `attach` runs when the
 * component starts showing a model; what it returns runs when it stops (disconnected, or another
 * model replaced it): feature event listeners, parking the live video, …
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Anything that calls its listeners on change (the AgentClient, the podcast's model, …). */
export interface Subscribable {
  subscribe(listener: () => void): () => void;
}

export class ModelController<M extends Subscribable> implements ReactiveController {
  model: M | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #getModel: () => M | undefined;
  readonly #attach: ((model: M) => void | (() => void)) | undefined;
  #release: (() => void) | undefined;
  #connected = false;

  constructor(host: ReactiveControllerHost, getModel: () => M | undefined, attach?: (model: M) => void | (() => void)) {
    this.#host = host;
    this.#getModel = getModel;
    this.#attach = attach;
    host.addController(this);
  }

  hostConnected(): void {
    this.#connected = true;
    // It may have changed while the component was out of the document.
    if (this.#sync()) this.#host.requestUpdate();
  }

  /** Runs before each render: picks up a model set or replaced since. */
  hostUpdate(): void {
    this.#sync();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#stop();
  }

  /** Follows the current model; true when it started following one. */
  #sync(): boolean {
    // An update can still run after the component left the document: it must not subscribe again.
    if (!this.#connected) return false;
    const model = this.#getModel();
    if (model === this.model) return false;
    this.#stop();
    if (!model) return false;
    this.model = model;
    const unsubscribe = model.subscribe(() => this.#host.requestUpdate());
    const detach = this.#attach?.(model);
    this.#release = () => {
      unsubscribe();
      detach?.();
    };
    return true;
  }

  #stop(): void {
    const release = this.#release;
    this.#release = undefined;
    this.model = undefined;
    release?.();
  }
}
