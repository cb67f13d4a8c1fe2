/**
 * The instructor sharing a screen, one per AgentClient: getDisplayMedia (a screen, a window or a
 * tab, with its sound where the browser offers it) sent over its own loopback RTCPeerConnection to
 * this page's agent (`screen-publish` → the answer), which makes it the room's screen beside the
 * camera. The browser's own "Stop sharing" bar ends the track: that stops the share here and tells
 * the agent at once (`screen-unpublish`), so every student sees it stop within a second.
 *
 * Profile for text: content hint `detail` (the encoder keeps resolution and drops frames instead),
 * at most SCREEN_FPS frames a second and SCREEN_BITRATE_BPS (the agent's REMB says the same).
 */
import { CamvidError } from '../protocol/errors.js';
import type { AgentClient } from './agent-client.js';
import { formatFigures, sampleEvery } from './live-stats.js';
import { Listeners, onConnectionLost, publishToAgent } from './loopback-peer.js';

const STATS_MS = 1000;
/** Slides and terminals change a few times a second at most; pixels matter more than motion. */
export const SCREEN_FPS = 15;
const SCREEN_BITRATE_BPS = 1_500_000;
const VIDEO: MediaTrackConstraints = { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: SCREEN_FPS } };

export type SharePhase = 'idle' | 'starting' | 'sharing';

function shareError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError') return 'Sharing was cancelled or not allowed.';
  if (name === 'NotFoundError' || name === 'NotReadableError') return 'The browser could not capture the screen.';
  return err instanceof CamvidError ? err.message : `Could not share the screen: ${(err as Error)?.message ?? String(err)}`;
}

export class ScreenShare {
  /** which requests publish it: the instructor's `screen-…`, an invited student's `present-…` */
  protected readonly what: 'screen' | 'present' = 'screen';
  phase: SharePhase = 'idle';
  stream: MediaStream | null = null;
  statsLine = '';
  error: string | null = null;
  readonly #listeners = new Listeners();
  #pc: RTCPeerConnection | null = null;
  #link: string | null = null;
  #stopStats: (() => void) | undefined;

  /** Made by the client: `client.model(ScreenShare)`. */
  constructor(readonly client: AgentClient) {
    client.onEvent('media-link-closed', (ev) => {
      if (ev.link !== this.#link) return;
      void this.stop();
      if (ev.reason !== 'closed') this.error = ev.reason === 'replaced' ? 'Another page shared its screen; this share stopped.' : `The share was interrupted (${ev.reason}); share again.`;
      this.#listeners.emit();
    });
    client.subscribe(() => {
      if (this.phase !== 'idle' && (client.connection !== 'open' || !client.state?.room)) void this.stop();
    });
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Asks the browser for a screen, window or tab and shares it (call from a click). */
  async start(): Promise<void> {
    if (this.phase !== 'idle') return;
    this.phase = 'starting';
    this.error = null;
    this.#listeners.emit();
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: VIDEO, audio: true });
      this.stream = stream;
      for (const t of stream.getTracks()) t.addEventListener('ended', () => void this.stop());
      const video = stream.getVideoTracks()[0];
      if (video) video.contentHint = 'detail';
      await this.#publish(stream);
    } catch (err) {
      this.error = shareError(err);
      await this.stop(false);
    }
  }

  /** Stops sharing (also what the browser's own "Stop sharing" does). */
  async stop(clearError = true): Promise<void> {
    const [link, pc, stream] = [this.#link, this.#pc, this.stream];
    [this.#link, this.#pc, this.stream] = [null, null, null];
    this.#stopStats?.();
    pc?.close();
    stream?.getTracks().forEach((t) => t.stop());
    Object.assign(this, { phase: 'idle', statsLine: '' }, clearError ? { error: null } : {});
    this.#listeners.emit();
    // At once, not when the loopback connection times out: every student sees the share end now.
    if (link && this.client.connection === 'open') await this.client.request({ type: `${this.what}-unpublish`, link }).catch(() => {});
  }

  async #publish(stream: MediaStream): Promise<void> {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.#pc = pc;
    for (const track of stream.getTracks()) {
      const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (track.kind !== 'video') continue;
      const params = t.sender.getParameters();
      params.encodings = [{ maxBitrate: SCREEN_BITRATE_BPS, maxFramerate: SCREEN_FPS }];
      params.degradationPreference = 'maintain-resolution';
      await t.sender.setParameters(params).catch(() => {});
    }
    if (!(await publishToAgent(this.client, pc, this.what, () => this.#pc === pc, (link) => (this.#link = link)))) return;
    this.phase = 'sharing';
    onConnectionLost(pc, () => {
      if (this.#pc !== pc) return;
      this.error = 'The connection to the agent was lost; share again.';
      void this.stop(false);
    });
    this.#stopStats = sampleEvery(pc, 'outbound-rtp', STATS_MS, (f) => {
      this.statsLine = formatFigures({ ...f, lossPct: null });
      this.#listeners.emit();
    });
    this.#listeners.emit();
  }
}

/**
 * An invited student presenting (protocol/present.ts): the same share, published with
 * `present-publish` so the student's agent sends it up to the instructor. One per AgentClient:
 * `client.model(PresentShare)`.
 */
export class PresentShare extends ScreenShare {
  protected override readonly what = 'present';
}
