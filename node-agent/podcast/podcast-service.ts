/**
 * The podcast feature of one agent (node-agent/features.ts): enters each room the agent enters;
 * on the host it runs HostPodcast (the input, the status, who listens); everywhere it keeps the
 * subtree's interest (PodcastInterest) and, while this person listens, a PodcastListening (the
 * recording and the player). It answers the UI's `podcast-*` requests and pushes the podcast's
 * events to the UI.
 */
import { CamvidError } from '../../protocol/errors.js';
import {
  PODCAST_BUFFER_DEFAULT_MS,
  type ListenerEntry,
  type PlayerState,
  type PlayerView,
  type PodcastStatus,
  type PodcastView,
} from '../../protocol/podcast.js';
import type { UiRequest } from '../../protocol/ui.js';
import { background } from '../background.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import type { MediaRelay } from '../media/media-relay.js';
import { TypedEmitter } from '../typed-emitter.js';
import { HostPodcast } from './host-podcast.js';
import { PodcastInterest } from './podcast-interest.js';
import { PodcastListening } from './podcast-listening.js';
import { PodcastMic } from './podcast-mic.js';
import { PodcastPages } from './podcast-pages.js';
import { parsePodcastSpec, type PodcastInput } from './podcast-source.js';

/** The page's position bar and the host's list move this often while listening. */
const VIEW_PUSH_MS = 250;
/** A listener's position reaches the host's list at most this often (and on every state change). */
const REPORT_MS = 2000;
const log = createLogger('agent:podcast');
const OFF: PodcastStatus = { on: false, title: null, since: null };

export type PodcastServiceEvents = {
  status: [status: PodcastStatus];
  /** the player's view: on every state change, and every VIEW_PUSH_MS while listening */
  player: [view: PlayerView, changed: boolean];
  listeners: [listeners: ListenerEntry[]];
  level: [rmsDb: number, peakDb: number];
};

type PodcastRequest<K extends string> = Extract<UiRequest, { type: K }>;

export class PodcastService extends TypedEmitter<PodcastServiceEvents> implements Feature {
  /** the recording's cap (`--podcast-buffer`) */
  capMs = PODCAST_BUFFER_DEFAULT_MS;
  /** Opus bitrate of a podcast this agent starts (`--podcast-kbps`) */
  kbps: number | undefined;
  #room: RoomContext | null = null;
  #host: HostPodcast | null = null;
  #interest: PodcastInterest | null = null;
  #listening: PodcastListening | null = null;
  readonly #pages: PodcastPages;
  #status: PodcastStatus = OFF;
  #roomDisposables: (() => void)[] = [];
  #viewTimer: NodeJS.Timeout | null = null;
  #lastReport = 0;
  #nextMic = 1;
  /** settles when the last room's host podcast is closed; the next room waits for it */
  #leaving: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;

  constructor(
    private readonly agent: FeatureHost,
    private readonly relay: MediaRelay,
  ) {
    super();
    this.#pages = new PodcastPages((link, reason) => agent.ui.push({ type: 'podcast-link-closed', link, reason }));
    agent.ui.handle('podcast-start', async (req) => this.start(this.#inputOf(req)));
    agent.ui.handle('podcast-stop', async () => this.#hostOnly().stop());
    agent.ui.handle('podcast-listen', async (req) => (this.listen(req.on), this.view()));
    agent.ui.handle('podcast-control', async (req) => (this.control(req), this.view()));
    agent.ui.handle('podcast-view', async () => this.view());
    agent.ui.handle('podcast-watch', (_req, session) => this.#pages.open(session));
    agent.ui.handle('podcast-watch-answer', async (req) => this.#pages.answer(req.link, req.sdp));
    agent.ui.handle('podcast-unwatch', async (req) => this.#pages.close(req.link));
    agent.ui.handle('podcast-publish', async (req, session) => {
      const link = `podcast-mic-${this.#nextMic++}`;
      let sdp = '';
      await this.#hostOnly().play(async () => {
        const opened = await PodcastMic.open(link, req.sdp, session);
        sdp = opened.answer;
        return opened.mic;
      });
      return { link, sdp };
    });
  }

  get status(): PodcastStatus {
    return this.#host?.status ?? this.#status;
  }

  /** This agent's listening, while on. */
  get listening(): PodcastListening | null {
    return this.#listening;
  }

  playerView(): PlayerView {
    return this.#listening?.player.view() ?? { state: 'off', behindMs: 0, bufferedMs: 0, capMs: this.capMs, bufferedBytes: 0, droppedMs: 0 };
  }

  view(): PodcastView {
    return { status: this.status, player: this.playerView(), ...(this.#host ? { listeners: this.#host.listeners } : {}) };
  }

  /** Host: starts (or replaces) the podcast. */
  async start(input: PodcastInput): Promise<PodcastStatus> {
    return this.#hostOnly().start(input, this.kbps);
  }

  async stop(): Promise<void> {
    await this.#hostOnly().stop();
  }

  /** Starts or stops listening: recording and playing, and asking the tree for the podcast. */
  listen(on: boolean): void {
    if (!this.#room) throw new CamvidError('NOT_IN_ROOM');
    if (on === !!this.#listening) return;
    if (on) {
      const listening = new PodcastListening(this.relay, this.capMs, this.#pages.ssrc);
      listening.setSink((packet) => this.#pages.send(packet));
      this.#listening = listening;
      listening.player.on('state', () => this.#playerChanged(true));
      this.#viewTimer = setInterval(() => this.#playerChanged(false), VIEW_PUSH_MS);
      this.#viewTimer.unref();
    } else {
      this.#stopListening();
    }
    this.#interest?.setLocal(on);
    this.#playerChanged(true);
  }

  control(req: Omit<PodcastRequest<'podcast-control'>, 'id' | 'type'> & { action: PodcastRequest<'podcast-control'>['action'] }): void {
    const player = this.#listening?.player;
    if (!player) throw new CamvidError('NOT_LISTENING');
    if (req.action === 'pause') player.pause();
    else if (req.action === 'resume') player.resume();
    else if (req.action === 'live') player.live();
    else if (req.behindMs === undefined) throw new CamvidError('BAD_MESSAGE', 'seek needs behindMs');
    else player.seek(req.behindMs);
    this.#playerChanged(true);
  }

  async enterRoom(ctx: RoomContext, signal: AbortSignal): Promise<void> {
    await this.#leaving;
    if (signal.aborted) return;
    onAbort(signal, () => {
      this.#leaving = this.#leave();
      background(this.#leaving, log, 'closing the podcast of the room left');
    });
    this.#attach(ctx);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#pages.closeAll();
      await this.#leave();
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #inputOf(req: PodcastRequest<'podcast-start'>): PodcastInput {
    if (req.source === 'tone') return parsePodcastSpec('tone');
    if (!req.path) throw new CamvidError('BAD_MESSAGE', 'A file podcast needs the path of an audio file.');
    return { kind: 'file', path: req.path };
  }

  #hostOnly(): HostPodcast {
    if (!this.#host) throw new CamvidError('NOT_IN_ROOM', 'Only the instructor can start or stop the podcast.');
    return this.#host;
  }

  /** Leaves the room: listening stops, the host's podcast closes. */
  async #leave(): Promise<void> {
    for (const d of this.#roomDisposables.splice(0).reverse()) d();
    this.#stopListening();
    this.#interest?.close();
    this.#interest = null;
    const host = this.#host;
    this.#host = null;
    this.#room = null;
    this.#setStatus(OFF);
    await host?.close();
  }

  #attach(ctx: RoomContext): void {
    this.#room = ctx;
    this.#interest = new PodcastInterest(ctx.edges, this.relay);
    if (ctx.host) {
      const hp = new HostPodcast(ctx.host, this.relay);
      this.#host = hp;
      this.#roomDisposables.push(
        hp.on('status', (s) => this.#setStatus(s)),
        hp.on('listeners', (l) => {
          this.emit('listeners', l);
          this.agent.ui.push({ type: 'podcast-listeners', listeners: l });
        }),
        hp.on('level', (rmsDb, peakDb) => {
          this.emit('level', rmsDb, peakDb);
          this.agent.ui.push({ type: 'podcast-level', rmsDb, peakDb });
        }),
      );
    } else if (ctx.member) {
      const member = ctx.member;
      this.#roomDisposables.push(
        member.on('feature', (msg) => {
          if (msg.type === 'podcast-status') this.#setStatus({ on: msg.on, title: msg.title, since: msg.since });
        }),
        // Every (re)join: say where we stand; the host answers with the status.
        member.on('welcome', () => this.#report(true)),
      );
      this.#report(true);
    }
  }

  #stopListening(): void {
    if (this.#viewTimer) clearInterval(this.#viewTimer);
    this.#viewTimer = null;
    this.#listening?.close();
    this.#listening = null;
  }

  #playerChanged(changed: boolean): void {
    const view = this.playerView();
    this.emit('player', view, changed);
    this.agent.ui.push({ type: 'podcast-player', player: view });
    this.#report(changed);
  }

  /** Tells the host what this member is doing (for its list of listeners). */
  #report(force: boolean): void {
    const member = this.#room?.member;
    if (!member) return;
    const now = Date.now();
    if (!force && now - this.#lastReport < REPORT_MS) return;
    this.#lastReport = now;
    const view = this.playerView();
    member.send({ type: 'podcast-listener', state: view.state as PlayerState, behindMs: Math.min(view.behindMs, 24 * 60 * 60_000) });
  }

  #setStatus(status: PodcastStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.#status)) return;
    this.#status = status;
    this.emit('status', status);
    this.agent.ui.push({ type: 'podcast-status', status });
  }
}
