/**
 * The agent's side of the UI socket's requests and events: one handler per request type (features
 * register theirs through `FeatureHost.ui`), and one stream of events to every connected page.
 */
import { randomBytes } from 'node:crypto';
import { CamvidError } from '../protocol/errors.js';
import type { UiEvent, UiReply, UiRequest } from '../protocol/ui.js';
import type { UiHandler, UiRoutes } from './feature-host.js';
import { TypedEmitter } from './typed-emitter.js';
import type { OfferedFile } from './ui-server/offered-file.js';
import type { UiSession } from './ui-server/ui-server.js';

/** For in-process callers (tests, the CLI): a page that never closes. */
export const DETACHED_SESSION: UiSession = { id: 0, onClose: () => () => {} };

type UiRouterEvents = { event: [event: UiEvent] };

/** Offered files remembered at once; the oldest ticket goes first (its page can offer it again). */
const MAX_OFFERED_FILES = 256;


export class UiRouter extends TypedEmitter<UiRouterEvents> implements UiRoutes {
  readonly #handlers = new Map<string, UiHandler<UiRequest['type']>>();
  readonly #offered = new Map<string, OfferedFile>();

  handle<K extends UiRequest['type']>(type: K, handler: UiHandler<K>): void {
    if (this.#handlers.has(type)) throw new TypeError(`two handlers for the UI request ${type}`);
    this.#handlers.set(type, handler as unknown as UiHandler<UiRequest['type']>);
  }

  push(event: UiEvent): void {
    this.emit('event', event);
  }

  offerFile(file: string, name: string): string {
    const ticket = randomBytes(16).toString('hex');
    this.#offered.set(ticket, { file, name });
    if (this.#offered.size > MAX_OFFERED_FILES) this.#offered.delete(this.#offered.keys().next().value!);
    return ticket;
  }

  /** The file behind a ticket `offerFile` gave, if it is still remembered. */
  offeredFile(ticket: string): OfferedFile | undefined {
    return this.#offered.get(ticket);
  }

  /** Runs the handler of `req.type`; rejects with BAD_MESSAGE for a type nobody handles. */
  dispatch<K extends UiRequest['type']>(req: Extract<UiRequest, { type: K }>, session: UiSession = DETACHED_SESSION): Promise<UiReply<K>> {
    const handler = this.#handlers.get(req.type);
    if (!handler) return Promise.reject(new CamvidError('BAD_MESSAGE', `no handler for ${req.type}`));
    return handler(req, session) as Promise<UiReply<K>>;
  }
}
