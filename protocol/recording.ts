/**
 * Recording the lecture (docs/record.md): the instructor's agent writes the RTP it already relays
 * (camera video VP8, microphone Opus; the shared screen and its sound into a second file) into
 * WebM files without re-encoding, in `recordings/` of
 * its share, where students browse and download it like any shared file. Only between the
 * instructor's page and its own agent: nothing here travels between peers.
 */

/** The recording as the instructor's page shows it. */
export interface RecordingStatus {
  recording: boolean;
  /** the file, relative to the share (`recordings/….webm`): the current one, or the last one saved */
  file: string | null;
  /** bytes written so far (or in the last file) */
  bytes: number;
  /** free space on the share's disk */
  freeBytes: number;
  /** host clock, when this recording started */
  since: number | null;
  /**
   * Stopped, and its files are being finished (ffmpeg writes cues and duration; a shared screen's
   * file can take ~10 s): `file` names the one being saved. Record waits until this is over.
   */
  saving?: true;
  /** why the last recording stopped on its own (the disk filled, ffmpeg failed) */
  stopped?: string;
  /**
   * The shared screen, recorded beside the camera into its own file (`recordings/…-screen.webm`)
   * for as long as the screen is shared during the recording: the current one, or the last saved.
   */
  screen?: { file: string; bytes: number };
}

/** UI requests (spread into protocol/ui-features.ts); the instructor's only. */
export const recordingUiRequests = {
  'record-start': {},
  'record-stop': {},
  'record-status': {},
};

export interface RecordingUiReplies {
  'record-start': RecordingStatus;
  'record-stop': RecordingStatus;
  'record-status': RecordingStatus;
}

/** Pushed every 2 s while recording and on every change. */
export type RecordingUiEvent = { type: 'record-status'; status: RecordingStatus };
