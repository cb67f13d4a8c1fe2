/**
 * What a feature (chat, files, labs, mail, the live class, the podcast, classroom controls) may use
 * of its agent, declared here where the features live so that no feature imports the agent: the
 * agent (node-agent/agent.ts, the composition root) implements `FeatureHost` and calls each
 * `Feature` in the order node-agent/features.ts declares.
 *
 * A room is entered through one hook: `enterRoom(ctx, signal)`. `signal` aborts when the agent
 * leaves that room (or closes), so a feature ties everything it made for the room to it, and an
 * async entry that finishes after the room is gone sees `signal.aborted` and does nothing. That
 * replaces per-feature generation counters and `on('room', …)` listeners.
 */
import type { RosterEntry } from '../protocol/common.js';
import type { UiEvent, UiReply, UiRequest } from '../protocol/ui.js';
import type { EdgeTable } from './overlay/edge-table.js';
import type { PeerLink } from './overlay/peer-link.js';
import type { RoomHost } from './overlay/room-host.js';
import type { RoomMember } from './overlay/room-member.js';
import type { Store } from './store/store.js';
import type { UiSession } from './ui-server/ui-server.js';

/** The room this agent is in, as a feature sees it. Valid until `signal` aborts. */
export interface RoomContext {
  readonly role: 'host' | 'student';
  readonly roomId: string;
  readonly me: { id: string; name: string };
  /** this agent's tree and direct edges in the room */
  readonly edges: EdgeTable;
  /** the room's authority, when this agent hosts */
  readonly host: RoomHost | null;
  /** this agent's session with the host, when it is a student */
  readonly member: RoomMember | null;
  /** aborts when the agent leaves this room */
  readonly signal: AbortSignal;
  /** a direct edge to another member (labs, uploads); resolves once its channels are open */
  connectDirect(peerId: string): Promise<PeerLink>;
}

export type UiRequestOf<K extends UiRequest['type']> = Extract<UiRequest, { type: K }>;

/**
 * A UI request handler: resolves with the request's reply type (protocol/ui.ts `UiReplies`), so a
 * handler and the page that asks agree at compile time. `session` is the asking page, for what
 * must close when that page goes away (a loopback media link, a staged upload).
 */
export type UiHandler<K extends UiRequest['type']> = (req: UiRequestOf<K>, session: UiSession) => Promise<UiReply<K>>;

/** Where features answer the pages' requests and push events to every page. */
export interface UiRoutes {
  /** registers the one handler of `type`; a second registration of a type is a programming error */
  handle<K extends UiRequest['type']>(type: K, handler: UiHandler<K>): void;
  push(event: UiEvent): void;
  /**
   * Lets this agent's pages fetch a local file as a browser download (`/file/<ticket>` of the UI
   * server, token required); returns the ticket. Only files a feature offers are ever served.
   */
  offerFile(file: string, name: string): string;
}

export interface FeatureHost {
  /** this agent's peer id */
  readonly peerId: string;
  /** LevelDB (sublevels per feature) and the data folder (`store.dir`) */
  readonly store: Store;
  readonly ui: UiRoutes;
  /** the room this agent is in, or null (between rooms, and while entering or leaving one) */
  readonly room: RoomContext | null;
  /** the room's members as the host last told them (empty outside a room) */
  roster(): RosterEntry[];
  /** runs `listener` on every roster change; returns a remover */
  onRoster(listener: (members: RosterEntry[]) => void): () => void;
}

/** A feature service of the agent. */
export interface Feature {
  /** Called once per room entered, in the declared order; tie room state to `signal`. */
  enterRoom?(ctx: RoomContext, signal: AbortSignal): void | Promise<void>;
  /** Called once when the agent closes, in reverse order, after the room was left. */
  close(): void | Promise<void>;
}

/** Runs `fn` once when `signal` aborts (at once if it already has); returns a remover. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
