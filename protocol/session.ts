/**
 * Session messages: sealed (secretbox) JSON frames on the signalling WebSocket after the handshake.
 * The host is the authority for membership and the tree: it tells members whom to attach to
 * (`attach`) and whom to adopt (`adopt`), and relays WebRTC signalling between the two ends of
 * an edge. Split by direction; each side validates what it receives.
 */
import { displayName, edgeId, MAX_MAX_MEMBERS, peerId, roomId, roomName, rosterEntry } from './common.js';
import { chatHostShapes, chatMemberShapes } from './chat.js';
import { filesHostShapes, filesMemberShapes } from './files.js';
import { podcastHostShapes, podcastMemberShapes } from './podcast.js';
import { presentHostShapes, presentMemberShapes } from './present.js';
import { attendanceHostShapes, attendanceMemberShapes } from './attendance.js';
import { pollHostShapes, pollMemberShapes } from './polls.js';
import { array, B64, bool, int, literal, object, optional, str, union, wireErrorFields } from './validate.js';

/** the host's entry and every member it may admit */
const MAX_ROSTER = MAX_MAX_MEMBERS + 1;
/**
 * A roster message (snapshot or delta) is cut into parts of at most this many bytes of JSON, so a
 * full class with the longest names (64 UTF-16 units, up to 192 bytes of UTF-8, or 384 escaped)
 * stays far below the 64 KiB frame limit (docs/protocol.md, "Roster").
 */
export const ROSTER_PART_BYTES = 24_000;
const signalData = object({
  kind: literal('offer', 'answer', 'candidate'),
  sdp: optional(str({ max: 32_000 })),
  candidate: optional(str({ max: 1000 })),
  mid: optional(str({ max: 64 })),
});
export type SignalData = ReturnType<typeof signalData>;

/** States a member reports for the edge to its parent. */
export const EDGE_REPORTS = ['connected', 'failed', 'lost'] as const;

export const memberMessage = union({
  ...chatMemberShapes,
  ...filesMemberShapes,
  ...podcastMemberShapes,
  ...presentMemberShapes,
  ...pollMemberShapes,
  ...attendanceMemberShapes,
  /**
   * `key`: the agent's Ed25519 public key (raw, base64); its peer id is derived from it. `sig`: its
   * signature over this session's handshake transcript (node-agent/auth/agent-identity.ts).
   */
  join: { name: displayName, key: B64(44), sig: B64(88) },
  signal: { edge: edgeId, peer: peerId, data: signalData },
  edge: { edge: edgeId, state: literal(...EDGE_REPORTS) },
  /** asks for a direct edge (not part of the tree) to another member, e.g. for a lab */
  connect: { peer: peerId },
  /** raise (true) or lower (false) this member's hand */
  hand: { up: bool },
  /**
   * Its parent went silent and it switched its media to its standby edge `edge` (the one the host
   * gave it in `standby`); the host makes that edge its tree edge and plans a new standby.
   */
  promote: { edge: edgeId },
  leave: {},
});
export type MemberMessage = ReturnType<typeof memberMessage>;

export const hostMessage = union({
  ...chatHostShapes,
  ...filesHostShapes,
  ...podcastHostShapes,
  ...presentHostShapes,
  ...attendanceHostShapes,
  ...pollHostShapes,
  /** `hostKey`: the host's own Ed25519 public key (raw, base64), which signs sequenced records */
  welcome: {
    roomId,
    roomName,
    hostId: peerId,
    hostName: displayName,
    hostKey: B64(44),
    /** the member's own peer id (derived from its key) and its display name, unique in the room */
    you: peerId,
    name: displayName,
  },
  /**
   * The whole roster, sent once per session (after `welcome`); `more`: parts of the same snapshot
   * follow as `roster-delta`s, and the roster is shown once the part without `more` arrived.
   */
  roster: { rev: int(0, Number.MAX_SAFE_INTEGER), members: array(rosterEntry, MAX_ROSTER), more: optional(bool) },
  /**
   * What changed since the last roster message on this session: entries `remove`d (by id) first,
   * then `upsert`s (a known id is replaced in place, a new one is appended). `more` as in `roster`.
   */
  'roster-delta': {
    rev: int(0, Number.MAX_SAFE_INTEGER),
    upsert: array(rosterEntry, MAX_ROSTER),
    remove: array(peerId, MAX_ROSTER),
    more: optional(bool),
  },
  attach: { edge: edgeId, parentId: peerId },
  /** `standby`: the edge is a child's standby: connected, but no media flows until `promote` */
  adopt: { edge: edgeId, childId: peerId, standby: optional(bool) },
  /**
   * A warm standby parent: the member opens `edge` to `parentId` (the child end) beside its tree
   * edge and keeps it up, carrying nothing but keepalives, until its parent is lost.
   */
  standby: { edge: edgeId, parentId: peerId },
  /** a standby edge is now a tree edge: the parent end starts forwarding, the child end takes it as its parent */
  promote: { edge: edgeId },
  /**
   * a direct edge to `peer`: the `parent` end offers; either end may be the host. `present`: the
   * edge carries a student's screen up to the host (protocol/present.ts): the offering student adds
   * its sendonly screen tracks; only the host plans one, and only to itself.
   */
  direct: { edge: edgeId, peer: peerId, end: literal('parent', 'child'), present: optional(bool) },
  drop: { edge: edgeId },
  signal: { edge: edgeId, peer: peerId, data: signalData },
  error: wireErrorFields,
});
export type HostMessage = ReturnType<typeof hostMessage>;
