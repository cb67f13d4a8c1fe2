/**
 * The live class between this agent and its own pages (a feature in node-agent/features.ts).
 *
 * - `media-publish`: the instructor's page offers camera + microphone; the offer is restricted to
 *   VP8 + Opus without transport-cc (protocol/sdp.ts), accepted on a loopback BrowserLink, and that
 *   page becomes the relay's camera source (replacing ffmpeg or another page).
 * - `screen-publish`: the same for the page's shared screen (and its sound), the relay's `screen`
 *   source; while it is connected the camera's page is asked for a thumbnail's bitrate only.
 * - `media-watch` / `media-watch-answer`: a page gets an offer of two sendonly tracks, which the
 *   relay feeds as one more receiver once the page connects.
 * - `media-status` to every page each second and on change: waiting / live / ended as the tree
 *   says (TreeLiveStatus), whether a screen is shared, whether this page publishes, the delay to the host.
 *
 * Ownership: the relay owns the camera and screen sources once set (and so their links; the
 * PagePublishers only track them); each viewer owns its link. Every link also dies with the page
 * that asked for it: its UI session's close closes it.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { LiveState, LiveStatus, LiveUiEvent } from '../../protocol/live.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import type { UiSession } from '../ui-server/ui-server.js';
import { BrowserSource, CAMERA_KINDS, PUBLISH_BITRATE_BPS, SCREEN_BITRATE_BPS, SCREEN_KINDS, THUMBNAIL_BITRATE_BPS } from './browser-source.js';
import { BrowserViewer } from './browser-viewer.js';
import type { MediaRelay } from './media-relay.js';
import { assertHost, PagePublisher } from './page-publisher.js';
import { pictureLimit } from './picture-limit.js';
import { cameraBitrate } from './rate-control.js';
import { PresenterSource } from './presenter-source.js';
import { TreeLiveStatus } from './tree-live-status.js';

export const STATUS_PUSH_MS = 1000;
/** The host is live while video from its source is this fresh (ffmpeg or a page). */
const VIDEO_FRESH_MS = 2000;
/** Pages watching through one agent; the oldest gives way (a person has one or two tabs open). */
export const MAX_VIEWERS = 8;

interface Viewer {
  viewer: BrowserViewer;
  replaced: boolean;
  offSession: () => void;
}

export class LiveClass implements Feature {
  readonly #tree: TreeLiveStatus;
  readonly #viewers = new Map<string, Viewer>();
  readonly #timer: NodeJS.Timeout;
  readonly #disposables: (() => void)[] = [];
  readonly #camera: PagePublisher;
  readonly #screen: PagePublisher;
  #state: LiveState = 'waiting';
  #nextLink = 1;
  #lastPushed = '';
  #closed = false;

  constructor(
    private readonly agent: FeatureHost,
    private readonly relay: MediaRelay,
  ) {
    this.#tree = new TreeLiveStatus(
      () => this.#hostLive(),
      () => this.#hostScreen(),
    );
    this.#disposables.push(this.#tree.on('change', () => this.#update()));
    // What the tree takes changed: the pages are told at once (their REMB).
    this.#disposables.push(
      relay.on('estimate', () => {
        this.#fitRates();
        this.#update();
      }),
    );
    // A slot's source set or cleared from elsewhere (a presenting student's, taken back): said at once.
    this.#disposables.push(relay.on('source', () => this.#tree.refresh()));
    const push = (ev: LiveUiEvent) => this.#push(ev);
    const changed = () => {
      this.#fitRates();
      this.#tree.refresh();
    };
    this.#camera = new PagePublisher(relay, { slot: 'camera', prefix: 'p', kinds: CAMERA_KINDS, bitrateBps: PUBLISH_BITRATE_BPS, changed, push });
    this.#screen = new PagePublisher(relay, { slot: 'screen', prefix: 's', kinds: SCREEN_KINDS, bitrateBps: SCREEN_BITRATE_BPS, changed, push });
    agent.ui.handle('media-publish', (req, session) => this.publish(req.sdp, session));
    agent.ui.handle('media-unpublish', async (req) => this.#camera.unpublish(req.link));
    agent.ui.handle('screen-publish', (req, session) => this.publishScreen(req.sdp, session));
    agent.ui.handle('screen-unpublish', async (req) => this.#screen.unpublish(req.link));
    agent.ui.handle('media-watch', (_req, session) => this.watch(session));
    agent.ui.handle('media-watch-answer', async (req) => this.#viewerOf(req.link).viewer.link.acceptAnswer(req.sdp));
    agent.ui.handle('media-unwatch', async (req) => this.#viewers.get(req.link)?.viewer.close());
    this.#timer = setInterval(() => this.#update(true), STATUS_PUSH_MS);
    this.#timer.unref();
  }

  status(): LiveStatus {
    return {
      state: this.#state,
      publishing: this.#camera.connected,
      delayToHostMs: this.#tree.delayMs,
      depth: this.#tree.depth,
      screen: this.#tree.screen,
      screenPublishing: this.#screen.connected,
      limits: this.#limits(),
    };
  }

  /** The instructor's page offers its camera and microphone; resolves with the answer. */
  async publish(offer: string, session: UiSession): Promise<{ link: string; sdp: string }> {
    assertHost(this.agent.room?.role, 'go live');
    this.#assertOpen();
    return this.#camera.publish(offer, session);
  }

  /** The instructor's page offers its shared screen (and its sound); resolves with the answer. */
  async publishScreen(offer: string, session: UiSession): Promise<{ link: string; sdp: string }> {
    assertHost(this.agent.room?.role, 'share a screen');
    this.#assertOpen();
    return this.#screen.publish(offer, session);
  }

  /** A page wants to watch: resolves with the offer of two sendonly tracks. */
  async watch(session: UiSession): Promise<{ link: string; sdp: string }> {
    if (!this.agent.room) throw new CamvidError('NOT_IN_ROOM');
    this.#assertOpen();
    const id = `w${this.#nextLink++}`;
    const { viewer, offer } = await BrowserViewer.open(id, this.relay);
    const entry: Viewer = { viewer, replaced: false, offSession: () => {} };
    this.#viewers.set(id, entry);
    viewer.link.on('closed', (reason) => {
      this.#viewers.delete(id);
      entry.offSession();
      this.#push({ type: 'media-link-closed', link: id, reason: entry.replaced ? 'replaced' : reason });
    });
    entry.offSession = session.onClose(() => viewer.close());
    if (this.#viewers.size > MAX_VIEWERS) {
      const [, oldest] = this.#viewers.entries().next().value!;
      oldest.replaced = true;
      oldest.viewer.close();
    }
    return { link: id, sdp: offer };
  }

  /** A new room starts waiting for the instructor; leaving it does too. */
  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    this.#tree.enterRoom(ctx, signal);
    this.#restart();
    onAbort(signal, () => this.#restart());
  }

  /** Synchronous: nothing here needs waiting for (the camera source is the relay's to close). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const d of this.#disposables.splice(0).reverse()) d();
    for (const v of [...this.#viewers.values()].reverse()) v.viewer.close();
    // The camera and screen sources belong to the relay, which closes them when it closes.
    this.#camera.close();
    this.#screen.close();
    this.#tree.close();
  }

  #restart(): void {
    this.#state = 'waiting';
    this.#update();
  }

  #assertOpen(): void {
    if (this.#closed) throw new CamvidError('CLOSED', 'The agent is shutting down.');
  }

  #viewerOf(link: string): Viewer {
    const v = this.#viewers.get(link);
    if (!v) throw new CamvidError('CLOSED', 'That media connection is closed; start watching again.');
    return v;
  }

  /** The host's: what the tree holds each picture to, and whose link (picture-limit.ts). */
  #limits(): LiveStatus['limits'] {
    if (this.agent.room?.role !== 'host') return { video: null, screen: null };
    const roster = this.agent.roster();
    return {
      video: pictureLimit(this.relay.estimate('video'), this.#cameraCap(), roster),
      screen: pictureLimit(this.relay.estimate('screen'), SCREEN_BITRATE_BPS, roster),
    };
  }

  #cameraCap(): number {
    return this.#screen.connected ? THUMBNAIL_BITRATE_BPS : PUBLISH_BITRATE_BPS;
  }

  /**
   * What each page may send: its slot's cap (while a screen is shared the camera sends a thumbnail,
   * so the root's uplink stays bounded), or less when the tree takes less (rate-control.ts; a
   * camera in simulcast layers keeps every layer on, `cameraBitrate`).
   */
  #fitRates(): void {
    this.#camera.source?.setBitrate(cameraBitrate(this.#cameraCap(), this.relay.estimate('video').bps, this.#camera.source?.layered ?? false));
    this.#screen.source?.setBitrate(Math.min(SCREEN_BITRATE_BPS, this.relay.estimate('screen').bps));
  }

  #hostLive(): boolean {
    if (this.#camera.connected) return true;
    const last = this.relay.stats().lastVideoAt;
    return last !== null && last > this.#camera.stoppedAt && Date.now() - last < VIDEO_FRESH_MS;
  }

  /** The host shares a screen: a page's (or a presenting student's) is connected, or its source (ffmpeg) sent lately. */
  #hostScreen(): boolean {
    const source = this.relay.source('screen');
    if (!source) return false;
    if (source instanceof BrowserSource || source instanceof PresenterSource) return source.link.isOpen;
    const last = this.relay.stats().lastScreenAt;
    return last !== null && last > this.#screen.stoppedAt && Date.now() - last < VIDEO_FRESH_MS;
  }

  /** Recomputes the state; pushes it when it changed, or every tick while in a room. */
  #update(tick = false): void {
    if (this.#closed) return;
    const live = this.#tree.live;
    if (live) this.#state = 'live';
    else if (this.#state === 'live' || this.#state === 'paused') this.#state = this.#tree.connected ? 'ended' : 'paused';
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.#lastPushed && !(tick && this.agent.room)) return;
    this.#lastPushed = text;
    this.#push({ type: 'media-status', status });
  }

  #push(ev: LiveUiEvent): void {
    if (!this.#closed) this.agent.ui.push(ev);
  }
}
