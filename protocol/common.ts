/** Shared field validators and the roster type used by the session, ctl and UI messages. */
import { MAX_NAME_LENGTH, MAX_ROOM_NAME_LENGTH } from './version.js';
import { bool, HEX_ID, int, literal, nullable, object, optional, str } from './validate.js';

/** Room ids are 16 hex chars; the mDNS instance name shows the first 6. */
export const ROOM_ID_LENGTH = 16;
export const SHORT_ID_LENGTH = 6;
/** Peer ids are 16 hex chars, random per agent data folder. */
export const PEER_ID_LENGTH = 16;

const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/u;
export const displayName = str({ min: 1, max: MAX_NAME_LENGTH, pattern: PRINTABLE });
export const roomName = str({ min: 1, max: MAX_ROOM_NAME_LENGTH, pattern: PRINTABLE });
export const roomId = HEX_ID(ROOM_ID_LENGTH);
export const peerId = HEX_ID(PEER_ID_LENGTH);
export const edgeId = str({ min: 1, max: 80, pattern: /^[0-9a-f]+>[0-9a-f]+#\d+$/ });

export const MEMBER_ROLES = ['host', 'student'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** Connection state of a member's edge to its parent, as the host knows it. */
export const LINK_STATES = ['connecting', 'connected', 'reconnecting'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export const rosterEntry = object({
  id: peerId,
  name: displayName,
  role: literal(...MEMBER_ROLES),
  parentId: nullable(peerId),
  state: literal(...LINK_STATES),
  /** when this member raised a hand (host clock, ms); absent when lowered */
  hand: optional(int(0, Number.MAX_SAFE_INTEGER)),
  /** the instructor muted this member's chat */
  muted: optional(bool),
  /** the member's warm standby parent, once that edge is up */
  standbyId: optional(peerId),
  /** no classmate can reach it (client isolation on the Wi-Fi, a firewall): the host serves it */
  isolated: optional(bool),
  /** the instructor invited this student to present its screen (`invited`); `live`: it is the room's screen */
  presenting: optional(literal('invited', 'live')),
});
/** One member as everyone's roster shows it. The host's entry has parentId null. */
export type RosterEntry = ReturnType<typeof rosterEntry>;

export const shortId = (id: string): string => id.slice(0, SHORT_ID_LENGTH);
/** The DNS-SD instance name: unique per room, since equal instance names collapse into one. */
export const instanceName = (name: string, id: string): string => `${name} (${shortId(id)})`;

/**
 * Students a host admits unless told otherwise (`camvid host --max-members N`); the next joiner is
 * refused with ROOM_FULL. A class of 250 is what the roster, chat and tree were measured with.
 */
export const DEFAULT_MAX_MEMBERS = 250;
export const MAX_MAX_MEMBERS = 1000;

/** Children per member in the relay tree unless the host chooses otherwise (agent, CLI and start page). */
export const DEFAULT_FANOUT = 4;
/** The room's signalling port unless --port says otherwise (node-agent/cli.ts DEFAULT_SIGNAL_PORT): what students type after the address (the UI's is 7700). */
export const DEFAULT_ROOM_PORT = 7710;
