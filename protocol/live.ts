/**
 * The live class between an agent and its own browser (UI requests and events), and the little
 * the tree says about it on `ctl`. The media itself goes over a loopback RTCPeerConnection between
 * the page and its agent (docs/media.md); these messages set that connection up and describe it.
 *
 * Instructor: `media-publish {sdp: offer}` → `{link, sdp: answer}`: the page's camera and
 * microphone become the room's camera. Anyone: `media-watch` → `{link, sdp: offer}` of two
 * sendonly tracks (video, audio), then `media-watch-answer {link, sdp}`. Each link belongs to the
 * page (UI socket) that opened it and closes with it.
 */
import { MAX_SDP_LENGTH, MAX_SIMULCAST_LAYERS } from './sdp.js';
import { peerId } from './common.js';
import { array, bool, int, nullable, num, optional, str } from './validate.js';

const sdp = str({ min: 1, max: MAX_SDP_LENGTH });
/** Link ids are the agent's own (`p1`, `w2`, …); a page echoes them. */
export const linkId = str({ min: 1, max: 32, pattern: /^[a-z][a-z0-9-]*$/ });

/** UI requests (spread into protocol/ui-features.ts). */
export const liveUiRequests = {
  'media-publish': { sdp },
  'media-unpublish': { link: linkId },
  'media-watch': {},
  'media-watch-answer': { link: linkId, sdp },
  'media-unwatch': { link: linkId },
  /** the instructor's page offers its shared screen (VP8) and, where the browser gives it, its sound */
  'screen-publish': { sdp },
  'screen-unpublish': { link: linkId },
};

/** One side of a loopback link's setup: the agent's link id and its SDP (offer or answer). */
export interface LinkSdp {
  link: string;
  sdp: string;
}

/** What the agent replies to each request above (merged in protocol/ui-features.ts). */
export interface LiveUiReplies {
  /** the agent's answer */
  'media-publish': LinkSdp;
  'media-unpublish': void;
  /** the agent's offer */
  'media-watch': LinkSdp;
  'media-watch-answer': void;
  'media-unwatch': void;
  /** the agent's answer */
  'screen-publish': LinkSdp;
  'screen-unpublish': void;
}

/**
 * What this agent knows of the live class. `waiting`: the instructor has not gone live since this
 * agent came into the room; `live`: the instructor's camera is on; `paused`: it was live and this
 * agent lost its way to the instructor (its relay died, or the instructor's computer stopped
 * answering): the picture is not live until the tree says so again; `ended`: it was live and the
 * instructor stopped.
 */
export type LiveState = 'waiting' | 'live' | 'paused' | 'ended';

export interface LiveStatus {
  state: LiveState;
  /** this agent's own page is the room's camera (host) */
  publishing: boolean;
  /** one-way network delay from the host to this agent along the tree (half of each hop's round trip), ms */
  delayToHostMs: number | null;
  /** hops from the host (0 on the host) */
  depth: number | null;
  /** a screen is being shared in the room (the tree says so, like `state`) */
  screen: boolean;
  /** this agent's own page shares the room's screen (host) */
  screenPublishing: boolean;
  /**
   * Host: what the tree holds each picture to, when that is below what the page would send, and
   * the student whose link does it (docs/media.md, "What the tree can carry"); null otherwise
   */
  limits: { video: PictureLimit | null; screen: PictureLimit | null };
}

/** The tree holds a picture to `bps` because of the link to the member named `name`. */
export interface PictureLimit {
  bps: number;
  name: string;
}

export type LiveUiEvent =
  | { type: 'media-status'; status: LiveStatus }
  /** a link closed on the agent's side: `timeout` (never connected), `failed`, `replaced` (another page went live or shared), `closed` */
  | { type: 'media-link-closed'; link: string; reason: 'timeout' | 'failed' | 'replaced' | 'closed' };

/**
 * `ctl` from a parent to each tree child, every second and at once when `live` or `screen` changes:
 * whether the instructor is live, whether a screen is shared (absent = no), and the parent's own
 * delay to the host and depth, from which the child works out its own (adding half its round trip
 * to the parent, measured by the heartbeats).
 */
export const liveCtlShapes = {
  'live-status': { live: bool, screen: optional(bool), delayMs: num(0, 60_000), depth: int(0, 1000) },
  /**
   * From a tree child to its parent once a second, beside its REMB: per video kind, the member whose
   * link limits the child's subtree (itself or one below it), null when nothing limits it.
   */
  'rate-limit': { video: nullable(peerId), screen: nullable(peerId) },
  /**
   * From a tree child to its parent when it changes: the camera's simulcast layers (0 the lowest)
   * its subtree wants: the top one (for itself and its pages) and each lower one a receiver below
   * it is on. The parent sends each of them, capped at what the edge itself takes (docs/media.md,
   * "Simulcast through relays"); the top one alone until told.
   */
  'want-layers': { video: array(int(0, MAX_SIMULCAST_LAYERS - 1), MAX_SIMULCAST_LAYERS) },
};
