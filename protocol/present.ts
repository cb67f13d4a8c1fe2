/**
 * A student presents their screen (docs/media.md, "A student presents"). The instructor invites one
 * student at a time; that student's page shares a screen with its own agent, which sends it up to
 * the host on a `present` edge (a direct edge whose offering end, the student, carries two sendonly
 * tracks: `screen` and `screen-audio`); the host makes it the room's screen, and the tree carries it
 * down as it carries the instructor's. The instructor takes it back at any time.
 *
 * - host → the student: `present-invite` (you may share now), `present-end {reason}` (the
 *   invitation or the presentation is over: `taken` back by the instructor, `replaced` by another
 *   screen, `failed` (the edge did not come up or broke));
 * - the student → host: `present-start` (its page shares: open the present edge), `present-stop`
 *   (declined, or stopped sharing). A `present-start` from anyone but the invited student is
 *   refused NOT_INVITED; the host never opens a present edge it did not plan, and takes tracks
 *   only on those.
 *
 * Who presents travels in the roster (`presenting`), so every page can say so.
 */
import { peerId } from './common.js';
import { linkId } from './live.js';
import { MAX_SDP_LENGTH } from './sdp.js';
import { literal, str } from './validate.js';

export const PRESENT_END_REASONS = ['taken', 'replaced', 'failed'] as const;
export type PresentEndReason = (typeof PRESENT_END_REASONS)[number];

export const presentHostShapes = {
  'present-invite': {},
  'present-end': { reason: literal(...PRESENT_END_REASONS) },
};

export const presentMemberShapes = {
  'present-start': {},
  'present-stop': {},
};

/** UI requests (spread into protocol/ui-features.ts). */
export const presentUiRequests = {
  /** instructor: invite this student to present (one at a time: a presenter before is taken back) */
  'present-invite': { member: peerId },
  /** instructor: take the screen back; student: decline the invitation or stop presenting */
  'present-end': {},
  /** the invited student's page offers its shared screen (as `screen-publish` does for the instructor) */
  'present-publish': { sdp: str({ min: 1, max: MAX_SDP_LENGTH }) },
  'present-unpublish': { link: linkId },
};

export interface PresentUiReplies {
  'present-invite': void;
  'present-end': void;
  /** the agent's answer */
  'present-publish': { link: string; sdp: string };
  'present-unpublish': void;
}

/**
 * `invited`: the instructor invited this student (or, on the instructor's page, the student it
 * invited) and nothing is shared yet; `connecting`: the student's page shares and the screen is on its
 * way to the host; `presenting`: the host has it as the room's screen.
 */
export type PresentState = 'none' | 'invited' | 'connecting' | 'presenting';

export interface PresentStatus {
  state: PresentState;
  /** the student concerned (on a student's page: itself), absent when `none` */
  member?: string;
  name?: string;
  /** why the last presentation or invitation ended, once, with the `none` that follows it */
  ended?: PresentEndReason | 'declined' | 'stopped' | 'left';
}

export type PresentUiEvent = { type: 'present-status'; status: PresentStatus };
