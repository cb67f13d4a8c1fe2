/**
 * Watching the class, one per AgentClient: a loopback RTCPeerConnection from this page's agent
 * (`media-watch` → its offer of the camera's video + audio and the shared screen's video + sound →
 * our answer), the two <video>s that play them (by mid: `video`/`audio` the camera, `screen`/
 * `screen-audio` the screen), the agent's `media-status` (waiting / live / ended, whether a screen
 * is shared, delay to the host) and the stats lines.
 *
 * It lives outside the view so that switching tabs does not stop the class: the <video> moves to
 * a parking spot while the player is not shown (re-attached in the same task, so the browser does
 * not pause it) and the sound goes on. It keeps reconnecting while the page is in a room; the
 * agent closes its end when this page's socket closes.
 *
 * Sound: the picture starts muted (muted autoplay is always allowed), then tries with sound; where
 * the browser wants a click first (the page has had none yet), `needsGesture` asks for one.
 */
import type { LiveStatus } from '../protocol/live.js';
import type { AgentClient } from './agent-client.js';
import { formatFigures, sampleEvery } from './live-stats.js';
import { Listeners } from './loopback-peer.js';
import { LoopbackWatch, type LoopbackPhase } from './loopback-watch.js';

const STATS_MS = 1000;
const PARKING_ID = 'camvid-video-parking';
/** Performance marks for measuring time to first frame (`npm run bench -- media`). */
export const MARK_WATCH_START = 'camvid-watch-start';
export const MARK_FIRST_FRAME = 'camvid-first-frame';
/** The first frame of a shared screen this page showed (a page opened mid-share). */
export const MARK_FIRST_SCREEN_FRAME = 'camvid-first-screen-frame';
/** The watching link to the agent is up (what follows is the tree's part: key frames, forwarding, decoding). */
export const MARK_WATCH_CONNECTED = 'camvid-watch-connected';

function playerVideo(testid: string): HTMLVideoElement {
  const v = document.createElement('video');
  v.autoplay = true;
  v.playsInline = true;
  v.muted = true;
  v.dataset.testid = testid;
  return v;
}

export class LiveWatch {
  readonly video: HTMLVideoElement;
  /** the shared screen (and its sound) */
  readonly screenVideo: HTMLVideoElement;
  status: LiveStatus | null = null;
  /** the browser refused to play sound without a click */
  needsGesture = false;
  statsLine = '';
  screenStatsLine = '';
  error: string | null = null;
  readonly #listeners = new Listeners();
  readonly #loopback: LoopbackWatch;
  #wanted = false;
  #stopStats: (() => void)[] = [];
  #sawFrame = false;

  /** Made by the client: `client.model(LiveWatch)`. */
  constructor(readonly client: AgentClient) {
    this.video = playerVideo('live-video');
    this.screenVideo = playerVideo('screen-video');
    client.onEvent('media-status', (ev) => {
      this.status = ev.status;
      this.#listeners.emit();
    });
    this.#loopback = new LoopbackWatch(client, 'media', {
      track: (e) => {
        const v = e.transceiver?.mid?.startsWith('screen') ? this.screenVideo : this.video;
        const stream = e.streams[0] ?? new MediaStream([e.track]);
        if (v.srcObject !== stream) v.srcObject = stream;
        void this.#play(v);
      },
      connected: (pc) => {
        if (!this.#sawFrame) performance.mark(MARK_WATCH_CONNECTED);
        this.#watchFrames();
        this.#stopStats = [
          sampleEvery(pc, 'inbound-rtp', STATS_MS, (f, cur) => {
            this.statsLine = cur.packets ? formatFigures(f, this.status?.delayToHostMs ?? null) : '';
            this.#listeners.emit();
          }, 'video'),
          sampleEvery(pc, 'inbound-rtp', STATS_MS, (f, cur) => {
            this.screenStatsLine = cur.packets ? `screen ${formatFigures(f)}` : '';
            this.#listeners.emit();
          }, 'screen'),
        ];
      },
      closed: () => {
        for (const stop of this.#stopStats.splice(0)) stop();
        this.statsLine = this.screenStatsLine = '';
      },
      lost: (reason) => (this.error = `Reconnecting the video: ${reason}.`),
      retry: () => this.#sync(),
      changed: () => this.#listeners.emit(),
    });
    client.subscribe(() => this.#sync());
  }

  get phase(): LoopbackPhase {
    return this.#loopback.phase;
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Starts watching (idempotent); it goes on until the page leaves the room. */
  want(): void {
    this.#wanted = true;
    this.#sync();
  }

  /** Shows the camera inside `container` and the screen inside `screenContainer` (the player's stage). */
  attach(container: Element, screenContainer: Element): void {
    for (const [v, box] of [[this.video, container], [this.screenVideo, screenContainer]] as const) {
      if (v.parentElement !== box) box.append(v);
      void v.play().catch(() => {});
    }
  }

  /** The player goes away: keep the video in the document so the sound goes on. */
  park(): void {
    let spot = document.getElementById(PARKING_ID);
    if (!spot) {
      spot = document.createElement('div');
      spot.id = PARKING_ID;
      spot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;overflow:hidden;opacity:0;pointer-events:none';
      document.body.append(spot);
    }
    spot.append(this.video, this.screenVideo);
  }

  /** Called from a click: the browser now lets the sound play. */
  unmute(): void {
    this.needsGesture = false;
    for (const v of [this.video, this.screenVideo]) {
      v.muted = false;
      void v.play().catch(() => {});
    }
    this.#listeners.emit();
  }

  #sync(): void {
    const inRoom = this.client.connection === 'open' && !!this.client.state?.room;
    if (!inRoom) {
      if (this.client.connection === 'open') this.#wanted = false; // left the room
      if (this.phase !== 'idle') this.#loopback.teardown('idle');
      return;
    }
    if (!this.#wanted || this.phase !== 'idle') return;
    this.error = null;
    performance.mark(MARK_WATCH_START);
    void this.#loopback.connect();
  }

  /**
   * Muted autoplay is always allowed; then try with sound. A browser that wants a gesture first
   * refuses that play() (and pauses the video): back to muted, and ask for a click.
   */
  async #play(v: HTMLVideoElement): Promise<void> {
    await v.play().catch(() => {});
    if (v.muted && !this.needsGesture) {
      v.muted = false;
      await v.play().catch(() => {
        v.muted = true;
        return v.play().catch(() => {});
      });
    }
    this.needsGesture = v.muted;
    this.#listeners.emit();
  }

  #watchFrames(): void {
    if (this.#sawFrame) return;
    const onFrame = () => {
      if (this.#sawFrame) return;
      this.#sawFrame = true;
      performance.mark(MARK_FIRST_FRAME);
      this.#listeners.emit();
    };
    this.video.requestVideoFrameCallback(onFrame);
    this.screenVideo.requestVideoFrameCallback(() => performance.mark(MARK_FIRST_SCREEN_FRAME));
  }
}
