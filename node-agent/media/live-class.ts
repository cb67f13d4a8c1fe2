/**
 * The live class between this agent and its own pages (a feature in node-agent/features.ts).
 *
 * - `media-publish`: the instructor's page offers camera + microphone; the offer is restricted to
 *   VP8 + Opus without transport-cc (protocol/sdp.ts), accepted on a loopback BrowserLink, and that
 *   page becomes the relay's camera source (replacing ffmpeg or another page).
 * - `media-watch` / `media-watch-answer`: a page gets an offer of two sendonly tracks, which the
 *   relay feeds as one more receiver once the page connects.
 * - `media-status` to every page each second and on change: waiting / live / ended as the tree
 *   says (TreeLiveStatus), whether this page publishes, the delay to the host.
 *
 * Ownership: the relay owns the camera source once set (and so its link); each viewer owns its
 * link. Every link also dies with the page that asked for it: its UI session's close closes it.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { LiveState, LiveStatus, LiveUiEvent } from '../../protocol/live.js';
import { restrictOffer } from '../../protocol/sdp.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { UiSession } from '../ui-server/ui-server.js';
import { BrowserLink, type BrowserLinkCloseReason } from './browser-link.js';
import { BrowserSource } from './browser-source.js';
import { BrowserViewer } from './browser-viewer.js';
import type { MediaRelay } from './media-relay.js';
import { TreeLiveStatus } from './tree-live-status.js';

const log = createLogger('agent:live');
export const STATUS_PUSH_MS = 1000;
/** The host is live while video from its source is this fresh (ffmpeg or a page). */
const VIDEO_FRESH_MS = 2000;
/** Pages watching through one agent; the oldest gives way (a person has one or two tabs open). */
export const MAX_VIEWERS = 8;

interface Publisher {
  id: string;
  source: BrowserSource;
  replaced: boolean;
  offSession: () => void;
}

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
  #publisher: Publisher | null = null;
  #state: LiveState = 'waiting';
  /** when the host's camera last stopped: video older than this is not "live" */
  #stoppedAt = 0;
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
    agent.ui.handle('media-publish', (req, session) => this.publish(req.sdp, session));
    agent.ui.handle('media-unpublish', async (req) => this.#unpublish(req.link));
    agent.ui.handle('media-watch', (_req, session) => this.watch(session));
    agent.ui.handle('media-watch-answer', async (req) => this.#viewerOf(req.link).viewer.link.acceptAnswer(req.sdp));
    agent.ui.handle('media-unwatch', async (req) => this.#viewers.get(req.link)?.viewer.close());
    this.#timer = setInterval(() => this.#update(true), STATUS_PUSH_MS);
    this.#timer.unref();
  }

  status(): LiveStatus {
    return {
      state: this.#state,
      publishing: !!this.#publisher?.source.link.isOpen,
      delayToHostMs: this.#tree.delayMs,
      depth: this.#tree.depth,
      screen: this.#tree.screen,
    };
  }

  /** The instructor's page offers its camera and microphone; resolves with the answer. */
  async publish(offer: string, session: UiSession): Promise<{ link: string; sdp: string }> {
    const ctx = this.agent.room;
    if (!ctx) throw new CamvidError('NOT_IN_ROOM');
    if (ctx.role !== 'host') throw new CamvidError('NOT_IN_ROOM', 'Only the instructor can go live.');
    const restricted = restrictOffer(offer, { video: 'VP8', audio: 'opus' });
    this.#assertOpen();
    const id = `p${this.#nextLink++}`;
    const { link, answer } = await BrowserLink.accept(id, restricted.sdp);
    const source = new BrowserSource(link, restricted.media);
    if (this.#publisher) this.#publisher.replaced = true;
    const publisher: Publisher = { id, source, replaced: false, offSession: () => {} };
    this.#publisher = publisher;
    link.on('open', () => {
      log.info(`${id}: the page is the room's camera`);
      this.#tree.refresh();
    });
    link.on('closed', (reason) => this.#publisherClosed(publisher, reason));
    // The relay closes the previous camera (ffmpeg or another page) and owns this one from now on.
    await this.relay.setSource(source);
    if (this.#publisher === publisher) publisher.offSession = session.onClose(() => this.#unpublish(id));
    return { link: id, sdp: answer };
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
    // The camera source belongs to the relay, which closes it when it closes.
    this.#publisher?.offSession();
    this.#publisher = null;
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

  #unpublish(id: string): void {
    // The relay owns the source: clearing it closes the source and so its link.
    if (this.#publisher?.id === id && !this.#publisher.source.closed) background(this.relay.setSource(null), log, 'stopping the camera');
  }

  #publisherClosed(publisher: Publisher, reason: BrowserLinkCloseReason): void {
    publisher.offSession();
    if (this.#publisher === publisher) {
      this.#publisher = null;
      this.#stoppedAt = Date.now();
      // Closed by itself (never connected, failed): the relay still holds it as its camera.
      if (!publisher.source.closed) background(this.relay.setSource(null), log, 'stopping the camera');
      this.#tree.refresh();
    }
    log.info(`${publisher.id}: the page stopped being the camera (${publisher.replaced ? 'replaced' : reason})`);
    this.#push({ type: 'media-link-closed', link: publisher.id, reason: publisher.replaced ? 'replaced' : reason });
  }

  #hostLive(): boolean {
    if (this.#publisher?.source.link.isOpen) return true;
    const last = this.relay.stats().lastVideoAt;
    return last !== null && last > this.#stoppedAt && Date.now() - last < VIDEO_FRESH_MS;
  }

  /** The host shares a screen: a page's share is connected, or its source (ffmpeg) sent lately. */
  #hostScreen(): boolean {
    const source = this.relay.source('screen');
    if (!source) return false;
    if (source instanceof BrowserSource) return source.link.isOpen;
    const last = this.relay.stats().lastScreenAt;
    return last !== null && Date.now() - last < VIDEO_FRESH_MS;
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
