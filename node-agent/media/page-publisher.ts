/**
 * A page of the instructor's as one of the relay's sources: its camera (slot `camera`) or its
 * shared screen (slot `screen`). `publish` restricts the page's offer to VP8 + Opus (protocol/sdp.ts),
 * accepts it on a loopback BrowserLink, and makes a BrowserSource of it the slot's source; the
 * previous one of that slot (ffmpeg or another page, whose page is told `replaced`) is closed by the
 * relay, which owns the source from then on.
 *
 * The publisher's link dies with the page that asked for it (its UI session's close), with an
 * `unpublish`, or by itself (never connected, failed); each way the slot is cleared once and the
 * page is told `…-link-closed`.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { LiveUiEvent } from '../../protocol/live.js';
import type { MediaKind } from '../../protocol/media.js';
import { restrictOffer, type SdpMediaKind } from '../../protocol/sdp.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { UiSession } from '../ui-server/ui-server.js';
import { BrowserLink, type BrowserLinkCloseReason } from './browser-link.js';
import { BrowserSource } from './browser-source.js';
import type { MediaRelay, SourceSlot } from './media-relay.js';

const log = createLogger('agent:live');

export interface PagePublisherOptions {
  slot: SourceSlot;
  /** link ids: `p1` (camera), `s2` (screen) */
  prefix: string;
  /** what the page's sections are in the tree */
  kinds: Readonly<Record<SdpMediaKind, MediaKind>>;
  bitrateBps: number;
  /** the publisher started or stopped being the slot's source */
  changed(): void;
  push(ev: LiveUiEvent): void;
}

interface Publisher {
  id: string;
  source: BrowserSource;
  replaced: boolean;
  offSession: () => void;
}

export class PagePublisher {
  #current: Publisher | null = null;
  /** when the page last stopped: the slot's packets older than this are not "live" */
  stoppedAt = 0;
  #next = 1;

  constructor(
    private readonly relay: MediaRelay,
    private readonly opts: PagePublisherOptions,
  ) {}

  /** The page's source while it is the slot's, connected or not. */
  get source(): BrowserSource | null {
    return this.#current?.source ?? null;
  }

  get connected(): boolean {
    return !!this.#current?.source.link.isOpen;
  }

  /** Accepts the page's offer; resolves with the answer. The caller checked who may publish. */
  async publish(offer: string, session: UiSession): Promise<{ link: string; sdp: string }> {
    // The camera may come in simulcast layers (each student gets the one its link takes); the screen in one.
    const restricted = restrictOffer(offer, { video: 'VP8', audio: 'opus' }, { simulcast: this.opts.slot === 'camera' });
    const id = `${this.opts.prefix}${this.#next++}`;
    const { link, answer } = await BrowserLink.accept(id, restricted.sdp);
    const source = new BrowserSource(link, restricted.media, this.opts.bitrateBps, this.opts.kinds);
    if (this.#current) this.#current.replaced = true;
    const publisher: Publisher = { id, source, replaced: false, offSession: () => {} };
    this.#current = publisher;
    link.on('open', () => {
      log.info(`${id}: the page is the room's ${this.opts.slot}`);
      this.opts.changed();
    });
    link.on('closed', (reason) => this.#closed(publisher, reason));
    // The relay closes the slot's previous source and owns this one from now on.
    await this.relay.setSource(source, this.opts.slot);
    if (this.#current === publisher) publisher.offSession = session.onClose(() => this.unpublish(id));
    return { link: id, sdp: answer };
  }

  unpublish(id: string): void {
    // The relay owns the source: clearing the slot closes the source and so its link.
    if (this.#current?.id === id && !this.#current.source.closed) this.#clear();
  }

  /** The agent closes: the relay closes the source itself. */
  close(): void {
    this.#current?.offSession();
    this.#current = null;
  }

  #clear(): void {
    background(this.relay.setSource(null, this.opts.slot), log, `stopping the ${this.opts.slot}`);
  }

  #closed(publisher: Publisher, reason: BrowserLinkCloseReason): void {
    publisher.offSession();
    if (this.#current === publisher) {
      this.#current = null;
      this.stoppedAt = Date.now();
      // Closed by itself (never connected, failed): the relay still holds it.
      if (!publisher.source.closed) this.#clear();
      this.opts.changed();
    }
    log.info(`${publisher.id}: the page stopped being the ${this.opts.slot} (${publisher.replaced ? 'replaced' : reason})`);
    this.opts.push({ type: 'media-link-closed', link: publisher.id, reason: publisher.replaced ? 'replaced' : reason });
  }
}

/** Only the instructor publishes. */
export function assertHost(role: string | undefined, what: string): void {
  if (!role) throw new CamvidError('NOT_IN_ROOM');
  if (role !== 'host') throw new CamvidError('NOT_IN_ROOM', `Only the instructor can ${what}.`);
}
