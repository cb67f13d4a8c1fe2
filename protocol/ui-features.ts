/**
 * Where features plug their UI messages in. Each feature keeps its own request shapes and events
 * in its protocol file (e.g. protocol/chat.ts) and adds them here with one line each, so the core
 * of protocol/ui.ts never grows a long switch.
 */
import { chatText, type ChatRecord } from './chat.js';
import { peerId } from './common.js';
import type { ErrorCode } from './errors.js';
import { labUiRequests, type LabUiEvent, type LabUiReplies } from './labs/lab-messages.js';
import { filesUiRequests, type FilesUiEvent, type FilesUiReplies } from './files.js';
import { liveUiRequests, type LiveUiEvent, type LiveUiReplies } from './live.js';
import { mailUiRequests, type MailUiEvent, type MailUiReplies } from './mail.js';
import { podcastUiRequests, type PodcastUiEvent, type PodcastUiReplies } from './podcast.js';
import { attendanceUiRequests, type AttendanceUiEvent, type AttendanceUiReplies } from './attendance.js';
import { pollUiRequests, type PollUiEvent, type PollUiReplies } from './polls.js';
import { recordingUiRequests, type RecordingUiEvent, type RecordingUiReplies } from './recording.js';
import { localPathUiRequests, type LocalPathUiReplies } from './local-paths.js';
import { presentUiRequests, type PresentUiEvent, type PresentUiReplies } from './present.js';
import { bool, optional, type Validator } from './validate.js';

/** Request shapes by type (each request also carries `id`, added by protocol/ui.ts: never name a field `id`). */
export const featureUiRequests = {
  'chat-send': { text: chatText },
  'chat-log': {},
  'hand-raise': { up: bool },
  'hand-lower': { member: peerId },
  'chat-mute': { member: peerId, muted: bool },
  /** `block`: refused for the rest of the lecture, by its agent's identity (not only until it types the password) */
  'member-remove': { member: peerId, block: optional(bool) },
  ...mailUiRequests,
  ...filesUiRequests,
  ...labUiRequests,
  ...podcastUiRequests,
  ...liveUiRequests,
  ...attendanceUiRequests,
  ...pollUiRequests,
  ...recordingUiRequests,
  ...localPathUiRequests,
  ...presentUiRequests,
} satisfies Record<string, Record<string, Validator<unknown>>>;

/** A chat message of this member's still waiting for the host's ack. */
export interface PendingChat {
  id: string;
  text: string;
}

/**
 * What the agent replies to each request above (`reply.result`), `void` where it replies nothing.
 * protocol/ui.ts checks that every request has an entry here.
 */
export interface FeatureUiReplies extends MailUiReplies, FilesUiReplies, LabUiReplies, PodcastUiReplies, LiveUiReplies, AttendanceUiReplies, PollUiReplies, RecordingUiReplies, LocalPathUiReplies, PresentUiReplies {
  /** the message's id (a member's stays pending until the host acks it) */
  'chat-send': { id: string };
  /** the current room's latest records, in order, and this member's pending messages */
  'chat-log': { records: ChatRecord[]; pending: PendingChat[] };
  'hand-raise': void;
  'hand-lower': void;
  'chat-mute': void;
  'member-remove': void;
}

/** Events the agent pushes for features: `{ type: '<feature>-…', … }`. */
export type FeatureUiEvent =
  | { type: 'chat-message'; rec: ChatRecord }
  | { type: 'chat-outbox'; pending: PendingChat[] }
  | { type: 'chat-refused'; id: string; code: ErrorCode; message: string }
  | MailUiEvent
  | FilesUiEvent
  | LabUiEvent
  | PodcastUiEvent
  | LiveUiEvent
  | AttendanceUiEvent
  | PollUiEvent
  | RecordingUiEvent
  | PresentUiEvent;
