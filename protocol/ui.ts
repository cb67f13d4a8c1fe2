/**
 * Messages between the web UI and its own agent (loopback WebSocket `/api`). Requests carry an
 * `id`; the agent answers each with `reply`, and pushes state, rooms and roster as they change.
 */
import { displayName, roomId, roomName, type RosterEntry } from './common.js';
import type { ErrorCode } from './errors.js';
import type { SwarmStatus } from './swarm.js';
import { featureUiRequests, type FeatureUiEvent, type FeatureUiReplies } from './ui-features.js';
import { int, optional, str, union } from './validate.js';

const reqId = int(0, Number.MAX_SAFE_INTEGER);
const password = str({ min: 1, max: 256 });

/** Every request from the UI carries an `id` that its `reply` echoes. */
const withId = <S extends Record<string, Record<string, unknown>>>(shapes: S) =>
  Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, { id: reqId, ...v }])) as {
    [K in keyof S]: S[K] & { id: typeof reqId };
  };

export const uiRequest = union({
  ...withId(featureUiRequests),
  host: { id: reqId, room: roomName, password, name: displayName, fanout: optional(int(1, 64)) },
  join: {
    id: reqId,
    name: displayName,
    password,
    roomId: optional(roomId),
    address: optional(str({ min: 3, max: 300 })),
  },
  leave: { id: reqId },
  /** host the room this agent hosted before it stopped (`AgentState.resumable`) */
  'host-resume': { id: reqId },
});
export type UiRequest = ReturnType<typeof uiRequest>;

/**
 * What the agent's `reply` carries as `result` for each request type; `void` where it carries
 * nothing (the request's effect shows in the pushed state). Features declare theirs next to their
 * request shapes (e.g. `FilesUiReplies` in protocol/files.ts), merged in protocol/ui-features.ts.
 */
export interface UiReplies extends FeatureUiReplies {
  host: void;
  join: void;
  leave: void;
  'host-resume': void;
}
/** The reply to one request type. */
export type UiReply<K extends UiRequest['type']> = UiReplies[K];

/** Names the keys one side has and the other lacks; `true` when they match. */
type SameKeys<A extends PropertyKey, B extends PropertyKey> = [Exclude<A, B> | Exclude<B, A>] extends [never]
  ? true
  : { 'requests without a reply type': Exclude<B, A>; 'reply types without a request': Exclude<A, B> };
type Assert<T extends true> = T;
/** Fails to compile when a request type has no entry in UiReplies (or an entry names no request). */
export type UiRepliesCoverEveryRequest = Assert<SameKeys<keyof UiReplies, UiRequest['type']>>;

export type Phase = 'idle' | 'hosting' | 'joining' | 'joined' | 'reconnecting';

/** How a room was found: mDNS on this LAN, or its topic on the swarm (hyperswarm). */
export type RoomVia = 'lan' | 'swarm';

/**
 * A room this agent can reach: seen on the LAN (mDNS, answering on its signalling port) and/or
 * found on the swarm. A room reachable both ways is one entry (by room id) with both in `via`.
 */
export interface DiscoveredRoom {
  id: string;
  name: string;
  hostName: string;
  /** the LAN address and signalling port; absent for a room found only on the swarm */
  address?: string;
  port?: number;
  /** set by the agent's merged list; the mDNS browser alone leaves it out (LAN only) */
  via?: RoomVia[];
}

export interface UiError {
  code: ErrorCode;
  message: string;
}

export interface AgentState {
  phase: Phase;
  me: { id: string; name: string } | null;
  room: { id: string; name: string; hostName: string } | null;
  /** host:port pairs a student can type into "join by address" (host only). */
  joinAddresses: string[];
  lastError: UiError | null;
  /** the swarm's state when the agent was started with `--swarm`; absent otherwise */
  swarm?: SwarmStatus;
  /** a room this agent hosted and did not end (it stopped or crashed): `host-resume` opens it again */
  resumable: { id: string; name: string } | null;
  /** a student whose session with the host is down: the instructor's computer is not answering */
  hostAway?: boolean;
}

export type UiEvent =
  | { type: 'hello'; v: number; state: AgentState }
  | { type: 'state'; state: AgentState }
  | { type: 'rooms'; rooms: DiscoveredRoom[] }
  | { type: 'roster'; members: RosterEntry[] }
  | { type: 'reply'; id: number; error?: UiError; result?: unknown }
  | FeatureUiEvent;
