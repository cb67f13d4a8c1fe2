/**
 * Session messages: sealed (secretbox) JSON frames on the signalling WebSocket after the handshake.
 * The host is the authority for membership and the tree: it tells members whom to attach to
 * (`attach`) and whom to adopt (`adopt`), and relays WebRTC signalling between the two ends of
 * an edge. Split by direction; each side validates what it receives.
 */
import { displayName, edgeId, peerId, roomId, roomName, rosterEntry } from './common.js';
import { chatHostShapes, chatMemberShapes } from './chat.js';
import { filesHostShapes, filesMemberShapes } from './files.js';
import { podcastHostShapes, podcastMemberShapes } from './podcast.js';
import { array, B64, bool, int, literal, object, optional, str, union, wireErrorFields } from './validate.js';

const MAX_ROSTER = 1000;
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
  join: { name: displayName, peerId },
  signal: { edge: edgeId, peer: peerId, data: signalData },
  edge: { edge: edgeId, state: literal(...EDGE_REPORTS) },
  /** asks for a direct edge (not part of the tree) to another member, e.g. for a lab */
  connect: { peer: peerId },
  /** raise (true) or lower (false) this member's hand */
  hand: { up: bool },
  leave: {},
});
export type MemberMessage = ReturnType<typeof memberMessage>;

export const hostMessage = union({
  ...chatHostShapes,
  ...filesHostShapes,
  ...podcastHostShapes,
  /** `hostKey`: the host's own Ed25519 public key (raw, base64), which signs sequenced records */
  welcome: { roomId, roomName, hostId: peerId, hostName: displayName, hostKey: B64(44) },
  roster: { rev: int(0, Number.MAX_SAFE_INTEGER), members: array(rosterEntry, MAX_ROSTER) },
  attach: { edge: edgeId, parentId: peerId },
  adopt: { edge: edgeId, childId: peerId },
  /** a direct edge to `peer`: the `parent` end offers; either end may be the host */
  direct: { edge: edgeId, peer: peerId, end: literal('parent', 'child') },
  drop: { edge: edgeId },
  signal: { edge: edgeId, peer: peerId, data: signalData },
  error: wireErrorFields,
});
export type HostMessage = ReturnType<typeof hostMessage>;
