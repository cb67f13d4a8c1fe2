/**
 * The agent's side of the UI socket's requests and events: one handler per request type (features
 * register theirs through `FeatureHost.ui`), and one stream of events to every connected page.
 */
import { CamvidError } from '../protocol/errors.js';
import type { UiEvent, UiReply, UiRequest } from '../protocol/ui.js';
import type { UiHandler, UiRoutes } from './feature-host.js';
import { TypedEmitter } from './typed-emitter.js';
import type { UiSession } from './ui-server/ui-server.js';

/** For in-process callers (tests, the CLI): a page that never closes. */
export const DETACHED_SESSION: UiSession = { id: 0, onClose: () => () => {} };

type UiRouterEvents = { event: [event: UiEvent] };

export class UiRouter extends TypedEmitter<UiRouterEvents> implements UiRoutes {
  readonly #handlers = new Map<string, UiHandler<UiRequest['type']>>();

  handle<K extends UiRequest['type']>(type: K, handler: UiHandler<K>): void {
    if (this.#handlers.has(type)) throw new TypeError(`two handlers for the UI request ${type}`);
    this.#handlers.set(type, handler as unknown as UiHandler<UiRequest['type']>);
  }

  push(event: UiEvent): void {
    this.emit('event', event);
  }

  /** Runs the handler of `req.type`; rejects with BAD_MESSAGE for a type nobody handles. */
  dispatch<K extends UiRequest['type']>(req: Extract<UiRequest, { type: K }>, session: UiSession = DETACHED_SESSION): Promise<UiReply<K>> {
    const handler = this.#handlers.get(req.type);
    if (!handler) return Promise.reject(new CamvidError('BAD_MESSAGE', `no handler for ${req.type}`));
    return handler(req, session) as Promise<UiReply<K>>;
  }
}
