/**
 * The podcast: an Opus stream the instructor starts apart from the live class (a file or a test
 * tone through ffmpeg), carried down the tree on the `podcast` track every edge reserves. Each
 * listener's agent records what it receives into a bounded buffer and plays it to its own page from
 * a cursor, so a listener can pause, resume where it stopped, seek back and jump to live.
 *
 * On the wire: a child tells its parent on `ctl` whether anything at or below it listens
 * (`podcast-want`), so a subtree where nobody listens gets no podcast packets; each member tells the
 * host over its session what it is doing (`podcast-listener`), and the host tells every member
 * whether a podcast is on (`podcast-status`). See docs/podcast.md.
 */
import { linkId, type LinkSdp } from './live.js';
import { MAX_SDP_LENGTH } from './sdp.js';
import { bool, int, literal, nullable, optional, str } from './validate.js';

/** How much recorded audio a listener's agent keeps by default: 60 minutes, ~35 MB at 64 kbit/s (docs/benchmarks.md). */
export const PODCAST_BUFFER_DEFAULT_MS = 60 * 60_000;
export const PODCAST_BUFFER_MIN_MS = 1000;
export const PODCAST_BUFFER_MAX_MS = 6 * 60 * 60_000;
/** Opus bitrate of the podcast (speech and music at 48 kHz stereo); `--podcast-kbps` changes it. */
export const PODCAST_DEFAULT_KBPS = 64;

/**
 * What a listener's player is doing. `off`: not listening (nothing is recorded, and its parent
 * sends it no podcast); `live`: playing what arrives as it arrives; `delayed`: playing recorded
 * audio `behindMs` behind live; `paused`: recording, not playing.
 */
export const PLAYER_STATES = ['off', 'live', 'delayed', 'paused'] as const;
export type PlayerState = (typeof PLAYER_STATES)[number];

/** Whether the instructor is broadcasting a podcast, as the host tells every member. */
export interface PodcastStatus {
  on: boolean;
  /** what is playing: a file's name, "Test tone" */
  title: string | null;
  /** host wall clock (ms) when it started */
  since: number | null;
}

export interface PlayerView {
  state: PlayerState;
  /** how far the audio played now is behind the newest audio received, ms */
  behindMs: number;
  /** recorded audio the player can go back to, ms */
  bufferedMs: number;
  /** the buffer's cap, ms (`--podcast-buffer`) */
  capMs: number;
  bufferedBytes: number;
  /**
   * Recorded audio this listener had not played yet that the cap pushed out (a pause longer than
   * the buffer), ms since it started listening or last jumped to live; > 0 shows the note.
   */
  droppedMs: number;
}

export interface ListenerEntry {
  id: string;
  name: string;
  state: Exclude<PlayerState, 'off'>;
  behindMs: number;
}

export interface PodcastView {
  status: PodcastStatus;
  player: PlayerView;
  /** host only: who is listening */
  listeners?: ListenerEntry[];
}

const behindMs = int(0, 24 * 60 * 60_000);
const sdp = str({ min: 1, max: MAX_SDP_LENGTH });

/** UI requests (spread into protocol/ui-features.ts). */
export const podcastUiRequests = {
  /** host: start (or restart with another input) the podcast; `path` for a file on this computer */
  'podcast-start': { source: literal('tone', 'file'), path: optional(str({ min: 1, max: 4096 })) },
  'podcast-stop': {},
  /** start or stop listening (recording + playing) */
  'podcast-listen': { on: bool },
  /** `seek`: play from `behindMs` behind live (0 = live) */
  'podcast-control': { action: literal('pause', 'resume', 'live', 'seek'), behindMs: optional(behindMs) },
  /** the whole podcast view, for a page that opens it */
  'podcast-view': {},
  /**
   * The page's sound: `podcast-watch` → `{link, sdp}`, the agent's offer of one sendonly Opus
   * track (mid `podcast`) on a loopback connection; the page answers with `podcast-watch-answer`.
   * The link belongs to the page (UI socket) that asked and closes with it.
   */
  'podcast-watch': {},
  'podcast-watch-answer': { link: linkId, sdp },
  'podcast-unwatch': { link: linkId },
  /** host: the page's microphone becomes the podcast (the page's offer of one sendonly Opus track → `{link, sdp}`) */
  'podcast-publish': { sdp },
};

/** What the agent replies to each request above (merged in protocol/ui-features.ts). */
export interface PodcastUiReplies {
  'podcast-start': PodcastStatus;
  'podcast-stop': void;
  'podcast-listen': PodcastView;
  'podcast-control': PodcastView;
  'podcast-view': PodcastView;
  /** the agent's offer */
  'podcast-watch': LinkSdp;
  'podcast-watch-answer': void;
  'podcast-unwatch': void;
  /** the agent's answer */
  'podcast-publish': LinkSdp;
}

export type PodcastUiEvent =
  | { type: 'podcast-status'; status: PodcastStatus }
  | { type: 'podcast-player'; player: PlayerView }
  /** host: the level of what it broadcasts, dBFS (RMS and peak over the last ~100 ms), ~10 per second */
  | { type: 'podcast-level'; rmsDb: number; peakDb: number }
  | { type: 'podcast-listeners'; listeners: ListenerEntry[] }
  /** the agent closed a page's link: `timeout` (never connected), `failed`, `closed` */
  | { type: 'podcast-link-closed'; link: string; reason: 'timeout' | 'failed' | 'closed' };

/** Session shapes member → host. */
export const podcastMemberShapes = {
  'podcast-listener': { state: literal(...PLAYER_STATES), behindMs },
};

/** Session shapes host → member. */
export const podcastHostShapes = {
  'podcast-status': { on: bool, title: nullable(str({ max: 200 })), since: nullable(int(0, Number.MAX_SAFE_INTEGER)) },
};

/** `ctl` child → parent: whether this child or anyone below it listens. Until told, a parent sends. */
export const podcastCtlShapes = {
  'podcast-want': { on: bool },
};
