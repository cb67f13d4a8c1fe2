/**
 * The podcast in this page, one per AgentClient: what the agent says of it (on air or not, this
 * person's player, the host's level meter and listeners) and the sound itself: a loopback
 * RTCPeerConnection from the agent (`podcast-watch` → its offer of one Opus track → our answer)
 * played by an <audio> element. The agent paces the audio from its recording, so pausing,
 * resuming and jumping to live are requests to the agent; the element just plays what comes (it
 * keeps running, silent, while paused, which is what lets the next packet play at once).
 *
 * It lives outside the view, so switching tabs does not stop the sound: the <audio> sits in a
 * hidden spot in the document. While this person listens it keeps (re)connecting; the agent
 * closes its end when this page's socket closes.
 */
import type { ListenerEntry, PlayerView, PodcastStatus, PodcastView } from '../protocol/podcast.js';
import type { AgentClient, UiRequestBody } from './agent-client.js';
import { Listeners } from './loopback-peer.js';
import { LoopbackWatch, type LoopbackPhase } from './loopback-watch.js';

const PARKING_ID = 'camvid-podcast-audio';

export class PodcastAudio {
  readonly audio: HTMLAudioElement;
  status: PodcastStatus = { on: false, title: null, since: null };
  player: PlayerView | null = null;
  /** host: who is listening */
  listeners: ListenerEntry[] = [];
  /** host: the level of what goes out, dBFS */
  level: { rmsDb: number; peakDb: number } | null = null;
  error: string | null = null;
  readonly #listeners = new Listeners();
  readonly #loopback: LoopbackWatch;
  #room: string | null = null;

  /** Made by the client: `client.model(PodcastAudio)`. */
  constructor(readonly client: AgentClient) {
    const a = document.createElement('audio');
    a.autoplay = true;
    a.dataset.testid = 'podcast-audio';
    this.audio = a;
    let spot = document.getElementById(PARKING_ID);
    if (!spot) {
      spot = document.createElement('div');
      spot.id = PARKING_ID;
      spot.hidden = true;
      document.body.append(spot);
    }
    spot.append(a);
    client.onEvent('podcast-status', (ev) => this.#set(() => (this.status = ev.status)));
    client.onEvent('podcast-player', (ev) => this.#set(() => (this.player = ev.player)));
    client.onEvent('podcast-listeners', (ev) => this.#set(() => (this.listeners = ev.listeners)));
    client.onEvent('podcast-level', (ev) => this.#set(() => (this.level = { rmsDb: ev.rmsDb, peakDb: ev.peakDb })));
    this.#loopback = new LoopbackWatch(client, 'podcast', {
      track: (e) => {
        this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        void this.audio.play().catch(() => {});
      },
      lost: (reason) => (this.error = `Reconnecting the podcast: ${reason}.`),
      retry: () => this.#sync(),
      changed: () => this.#listeners.emit(),
    });
    client.subscribe(() => this.#sync());
    this.#sync();
  }

  get phase(): LoopbackPhase {
    return this.#loopback.phase;
  }

  subscribe(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  get listening(): boolean {
    return !!this.player && this.player.state !== 'off';
  }

  /** Starts listening (a click: the browser lets the sound play). */
  async play(): Promise<void> {
    await this.#request({ type: 'podcast-listen', on: true });
    void this.audio.play().catch(() => {});
    this.#sync();
  }

  /** Stops listening: the agent forgets its recording and the tree stops sending it the podcast. */
  async stop(): Promise<void> {
    await this.#request({ type: 'podcast-listen', on: false });
    this.#loopback.teardown('idle');
  }

  pause = () => this.#request({ type: 'podcast-control', action: 'pause' });
  resume = () => this.#request({ type: 'podcast-control', action: 'resume' });
  live = () => this.#request({ type: 'podcast-control', action: 'live' });
  seek = (behindMs: number) => this.#request({ type: 'podcast-control', action: 'seek', behindMs: Math.max(0, Math.round(behindMs)) });

  setVolume(v: number): void {
    this.audio.volume = Math.min(1, Math.max(0, v));
    this.#listeners.emit();
  }

  /** Host: starts the podcast from the test tone or a file on this computer. */
  start = (source: 'tone' | 'file', path?: string) => this.#request({ type: 'podcast-start', source, ...(path ? { path } : {}) });
  stopBroadcast = () => this.#request({ type: 'podcast-stop' });

  async #request(body: Extract<UiRequestBody, { type: 'podcast-listen' | 'podcast-control' | 'podcast-start' | 'podcast-stop' }>): Promise<void> {
    this.error = null;
    try {
      const result = await this.client.request(body);
      if (result && 'player' in result) this.#take(result);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      this.#listeners.emit();
    }
  }

  #take(view: PodcastView): void {
    this.status = view.status;
    this.player = view.player;
    if (view.listeners) this.listeners = view.listeners;
  }

  #set(f: () => void): void {
    f();
    this.#sync();
    this.#listeners.emit();
  }

  /** Follows the room (a fresh view on entering one) and keeps the sound connected while listening. */
  #sync(): void {
    const room = this.client.connection === 'open' ? (this.client.state?.room?.id ?? null) : null;
    if (room !== this.#room) {
      this.#room = room;
      this.player = null;
      this.listeners = [];
      this.level = null;
      if (this.phase !== 'idle') this.#loopback.teardown('idle');
      if (room) void this.client.request({ type: 'podcast-view' }).then((v) => this.#set(() => this.#take(v)), () => {});
      return;
    }
    if (room && this.listening && this.phase === 'idle') void this.#loopback.connect();
  }
}
