/**
 * The instructor going live, one per AgentClient: camera + microphone from getUserMedia, sent
 * over a loopback RTCPeerConnection to this page's own agent (`media-publish` with our offer →
 * its answer), which makes them the room's camera. Mute the microphone (the track sends silence),
 * switch the camera (replaceTrack: no renegotiation, the students' picture just changes; a camera
 * that needs another number of simulcast layers is published anew instead), stop.
 *
 * It lives outside the view so that switching tabs does not end the lecture. If the connection
 * to the agent is lost (the agent closes the link with the page's socket) it publishes again once
 * the socket is back, with the same camera.
 */
import { CamvidError } from '../protocol/errors.js';
import { CAMERA_LAYERS } from '../protocol/sdp.js';
import type { AgentClient } from './agent-client.js';
import { formatFigures, sampleEvery } from './live-stats.js';
import { Listeners, onConnectionLost, publishToAgent } from './loopback-peer.js';
import { applyCameraLayers, layerCountFor, withSimulcast } from './simulcast.js';

const STATS_MS = 1000;
const RETRY_MS = 1000;
/** 720p at 30 fps where the camera has it; the agent asks for up to 2.5 Mbit/s (REMB). */
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** The simulcast layers to offer for the stream's camera (its size unknown: all of them). */
function layersOf(stream: MediaStream): number {
  const size = stream.getVideoTracks()[0]?.getSettings();
  return size?.width && size.height ? layerCountFor(size.width, size.height) : CAMERA_LAYERS.length;
}

export type BroadcastPhase = 'idle' | 'starting' | 'live' | 'reconnecting';

/** A person-readable reason for a getUserMedia failure. */
function mediaError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError') return 'The browser was not allowed to use the camera and microphone: allow them for this page and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera or microphone was found.';
  if (name === 'NotReadableError') return 'The camera or microphone is in use by another program.';
  return err instanceof CamvidError ? err.message : `Could not go live: ${(err as Error)?.message ?? String(err)}`;
}

export class LiveBroadcast {
  phase: BroadcastPhase = 'idle';
  /** what the camera and microphone capture (the self-view shows it) */
  stream: MediaStream | null = null;
  micMuted = false;
  cameras: { id: string; label: string }[] = [];
  cameraId = '';
  statsLine = '';
  error: string | null = null;
  readonly #listeners = new Listeners();
  #pc: RTCPeerConnection | null = null;
  #link: string | null = null;
  /** the simulcast layers the connection was offered (layerCountFor the camera's size then) */
  #layers = 1;
  #stopStats: (() => void) | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Made by the client: `client.model(LiveBroadcast)`. */
  constructor(readonly client: AgentClient) {
    client.onEvent('media-link-closed', (ev) => {
      if (ev.link !== this.#link) return;
      if (ev.reason === 'replaced') {
        void this.stop();
        this.error = 'Another page went live for this room; this one stopped.';
        this.#listeners.emit();
      } else {
        this.#reconnect();
      }
    });
    client.subscribe(() => {
      if (client.connection !== 'open' && this.phase === 'live') this.#reconnect();
      if (client.connection === 'open' && !client.state?.room && this.phase !== 'idle') void this.stop();
    });
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  get audioTrack(): MediaStreamTrack | undefined {
    return this.stream?.getAudioTracks()[0];
  }

  /** Opens camera and microphone and publishes them. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') return;
    this.phase = 'starting';
    this.error = null;
    this.#listeners.emit();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO, audio: AUDIO });
      this.cameraId = this.stream.getVideoTracks()[0]?.getSettings().deviceId ?? '';
      if (this.audioTrack) this.audioTrack.enabled = !this.micMuted;
      await this.#listCameras();
      await this.#publish();
    } catch (err) {
      this.error = mediaError(err);
      await this.stop(false);
    }
  }

  /** Stops publishing and releases camera and microphone. */
  async stop(clearError = true): Promise<void> {
    clearTimeout(this.#retryTimer);
    const link = this.#link;
    this.#closePc();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.phase = 'idle';
    this.statsLine = '';
    if (clearError) this.error = null;
    this.#listeners.emit();
    if (link && this.client.connection === 'open') await this.client.request({ type: 'media-unpublish', link }).catch(() => {});
  }

  setMicMuted(muted: boolean): void {
    this.micMuted = muted;
    if (this.audioTrack) this.audioTrack.enabled = !muted;
    this.#listeners.emit();
  }

  /**
   * Switches to another camera. The sender's track is replaced without renegotiating when the new
   * camera takes as many simulcast layers as were offered; otherwise Chromium would drop the layers
   * its size does not allow (a 640x480 camera offered three sends 160 and 320 wide), so the camera
   * is published anew on a new connection, and the agent replaces the old one with it.
   */
  async switchCamera(deviceId: string): Promise<void> {
    if (!this.stream || deviceId === this.cameraId) return;
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({ video: { ...VIDEO, deviceId: { exact: deviceId } } });
      const track = fresh.getVideoTracks()[0]!;
      const old = this.stream.getVideoTracks();
      this.stream = new MediaStream([track, ...this.stream.getAudioTracks()]);
      this.cameraId = deviceId;
      const sender = this.#pc?.getSenders().find((s) => s.track?.kind === 'video');
      if (sender && layersOf(this.stream) === this.#layers) await sender.replaceTrack(track);
      else if (this.#pc) await this.#republish();
      for (const t of old) t.stop();
    } catch (err) {
      this.error = mediaError(err);
    }
    this.#listeners.emit();
  }

  /** Publishes the stream on a new connection, then closes the old one: the class never sees the camera end. */
  async #republish(): Promise<void> {
    const old = this.#pc;
    this.#stopStats?.();
    this.#pc = null;
    this.#link = null;
    try {
      await this.#publish();
    } catch (err) {
      // As for a lost link: publish again until it works (the camera is already the new one).
      this.error = mediaError(err);
      this.#reconnect();
    } finally {
      old?.close();
    }
  }

  async #listCameras(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    this.cameras = devices
      .filter((d) => d.kind === 'videoinput')
      .map((d, i) => ({ id: d.deviceId, label: d.label || `Camera ${i + 1}` }));
  }

  async #publish(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.#pc = pc;
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    const count = layersOf(stream);
    this.#layers = count;
    const layers = count === 1 ? undefined : { offer: (sdp: string) => withSimulcast(sdp, count), answered: applyCameraLayers };
    if (!(await publishToAgent(this.client, pc, 'media', () => this.#pc === pc, (link) => (this.#link = link), layers))) return;
    this.phase = 'live';
    this.error = null;
    onConnectionLost(pc, () => {
      if (this.#pc === pc) this.#reconnect();
    });
    // What leaves this page; loss is for the students' pages to tell.
    this.#stopStats = sampleEvery(pc, 'outbound-rtp', STATS_MS, (f) => {
      this.statsLine = formatFigures({ ...f, lossPct: null });
      this.#listeners.emit();
    });
    this.#listeners.emit();
  }

  /** The link to the agent went away while live: publish the same camera again. */
  #reconnect(): void {
    if (this.phase === 'idle' || this.phase === 'reconnecting' || !this.stream) return;
    this.#closePc();
    this.phase = 'reconnecting';
    this.#listeners.emit();
    const attempt = () => {
      if (this.phase !== 'reconnecting') return;
      if (this.client.connection !== 'open') return void (this.#retryTimer = setTimeout(attempt, RETRY_MS));
      this.#publish().catch((err) => {
        this.error = mediaError(err);
        this.#closePc();
        this.#retryTimer = setTimeout(attempt, RETRY_MS);
        this.#listeners.emit();
      });
    };
    this.#retryTimer = setTimeout(attempt, RETRY_MS);
  }

  #closePc(): void {
    this.#stopStats?.();
    this.#pc?.close();
    this.#pc = null;
    this.#link = null;
  }
}
