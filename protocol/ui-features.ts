/**
 * Where features plug their UI messages in. Each feature keeps its own request shapes and events
 * in its protocol file (e.g. protocol/chat.ts) and adds them here with one line each, so the core
 * of protocol/ui.ts never grows a long switch.
 */
import { chatText, type ChatRecord } from './chat.js';
import { peerId } from './common.js';
import { labUiRequests, type LabUiEvent } from './labs/lab-messages.js';
import { filesUiRequests, type FilesUiEvent } from './files.js';
import { liveUiRequests, type LiveUiEvent } from './live.js';
import { mailUiRequests, type MailUiEvent } from './mail.js';
import { podcastUiRequests, type PodcastUiEvent } from './podcast.js';
import { bool, type Validator } from './validate.js';

/** Request shapes by type (each request also carries `id`, added by protocol/ui.ts: never name a field `id`). */
export const featureUiRequests = {
  'chat-send': { text: chatText },
  'chat-log': {},
  'hand-raise': { up: bool },
  'hand-lower': { member: peerId },
  'chat-mute': { member: peerId, muted: bool },
  'member-remove': { member: peerId },
  ...mailUiRequests,
  ...filesUiRequests,
  ...labUiRequests,
  ...podcastUiRequests,
  ...liveUiRequests,
} satisfies Record<string, Record<string, Validator<unknown>>>;

/** Events the agent pushes for features: `{ type: '<feature>-…', … }`. */
export type FeatureUiEvent =
  | { type: 'chat-message'; rec: ChatRecord }
  | { type: 'chat-outbox'; pending: { id: string; text: string }[] }
  | { type: 'chat-refused'; id: string; code: string; message: string }
  | MailUiEvent
  | FilesUiEvent
  | LabUiEvent
  | PodcastUiEvent
  | LiveUiEvent;
