/**
 * A student's side of presenting (protocol/present.ts), for one room. Invited (`present-invite`),
 * its page may offer a shared screen (`present-publish`): the agent accepts it as the instructor's
 * agent does (a PagePublisher), but into a relay of its own, the uplink, whose one receiver is the
 * present edge the host plans on `present-start`. The uplink does for the host what a relay does
 * for a child (SSRCs of the edge, key frames on request, sender reports passed on); the host's tree
 * does the rest. It ends when the page stops (the student's Stop or the browser's Stop sharing:
 * `present-stop` to the host), when the host says `present-end`, or when the edge fails.
 *
 * Owns: the uplink relay (and through it the page's link) while presenting.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { LiveUiEvent } from '../../protocol/live.js';
import type { PresentStatus } from '../../protocol/present.js';
import type { MemberMessage } from '../../protocol/session.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';
import type { FeatureHostMessage, RoomInfo } from '../overlay/room-member.js';
import type { UiSession } from '../ui-server/ui-server.js';
import { SCREEN_BITRATE_BPS, SCREEN_KINDS } from './browser-source.js';
import { MediaRelay } from './media-relay.js';
import { PagePublisher } from './page-publisher.js';

const log = createLogger('agent:present');
/** How long a closed present edge waits for the host's `present-end` before it counts as failed. */
const EDGE_END_GRACE_MS = 2000;

/** What the student side needs of its session (RoomMember implements it). */
export interface PresentSession {
  readonly info: RoomInfo | null;
  send(message: MemberMessage): boolean;
  on(event: 'feature', listener: (msg: FeatureHostMessage) => void): () => void;
  on(event: 'welcome', listener: (info: RoomInfo) => void): () => void;
}

interface Uplink {
  relay: MediaRelay;
  publisher: PagePublisher;
  link: PeerLink | null;
}

type End = NonNullable<PresentStatus['ended']>;

export class MemberPresenting {
  #state: PresentStatus['state'] = 'none';
  #uplink: Uplink | null = null;
  readonly #off: (() => void)[] = [];

  constructor(
    private readonly session: PresentSession,
    edges: EdgeTable,
    private readonly changed: (status: PresentStatus) => void,
    private readonly push: (ev: LiveUiEvent) => void,
  ) {
    this.#off.push(
      session.on('feature', (msg) => {
        if (msg.type === 'present-invite' && this.#state === 'none') this.#set('invited');
        else if (msg.type === 'present-end') this.#end(msg.reason, false);
      }),
      // A new session: the host ended whatever the old one had (the member left).
      session.on('welcome', () => this.#end('left', false)),
      edges.on('open', (link) => link.opts.kind === 'present' && this.#opened(link)),
      edges.on('closed', (link) => link.opts.kind === 'present' && link === this.#uplink?.link && this.#edgeClosed()),
    );
  }

  status(): PresentStatus {
    const me = this.session.info;
    return this.#state === 'none' ? { state: 'none' } : { state: this.#state, ...(me ? { name: me.name } : {}) };
  }

  /** The invited student's page offers its screen; resolves with the answer. */
  async publish(offer: string, page: UiSession): Promise<{ link: string; sdp: string }> {
    if (this.#state === 'none') throw new CamvidError('NOT_INVITED');
    const uplink = this.#uplink ?? this.#openUplink();
    const answer = await uplink.publisher.publish(offer, page);
    if (this.#uplink !== uplink) {
      uplink.publisher.unpublish(answer.link);
      throw new CamvidError('NOT_INVITED');
    }
    if (this.#state === 'invited') this.#set('connecting');
    this.session.send({ type: 'present-start' });
    return answer;
  }

  unpublish(link: string): void {
    this.#uplink?.publisher.unpublish(link);
  }

  /** The student declines the invitation or stops presenting. */
  stop(): void {
    if (this.#state !== 'none') this.#end(this.#state === 'invited' ? 'declined' : 'stopped', true);
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
    this.#end('left', false);
  }

  #openUplink(): Uplink {
    const relay = new MediaRelay();
    const uplink: Uplink = { relay, link: null, publisher: null! };
    uplink.publisher = new PagePublisher(relay, {
      slot: 'screen',
      prefix: 'x',
      kinds: SCREEN_KINDS,
      bitrateBps: SCREEN_BITRATE_BPS,
      // The page's link closed (Stop, the browser's Stop sharing, the tab closed): so does the presentation.
      changed: () => this.#uplink === uplink && !uplink.publisher.source && this.#end('stopped', true),
      push: this.push,
    });
    this.#uplink = uplink;
    return uplink;
  }

  /** The host's end of our present edge is up: the uplink sends to it. */
  #opened(link: PeerLink): void {
    const uplink = this.#uplink;
    if (!uplink || link.peerId !== this.session.info?.hostId || this.#state === 'none') return link.close();
    uplink.link?.close();
    uplink.link = link;
    const ds = uplink.relay.addSink({
      id: link.edge,
      ssrc: (kind) => link.localSsrc(kind),
      send: (kind, packet) => link.sendMedia(kind, packet),
    });
    // The host's PLIs come back on the edge's tracks: the uplink asks the page.
    link.on('media', (_kind, packet) => ds.handleRtcp(packet));
    link.on('closed', () => uplink.relay.removeSink(link.edge));
    this.#set('presenting');
  }

  /**
   * Our present edge closed. The host says why when it closed its end (taken back, replaced by
   * another screen) and its `present-end` may come just after; if it says nothing, the edge failed.
   */
  #edgeClosed(): void {
    const uplink = this.#uplink;
    const timer = setTimeout(() => this.#uplink === uplink && this.#end('failed', true), EDGE_END_GRACE_MS);
    this.#off.push(() => clearTimeout(timer));
  }

  #end(reason: End, tellHost: boolean): void {
    if (this.#state === 'none') return;
    const uplink = this.#uplink;
    this.#uplink = null;
    if (tellHost) this.session.send({ type: 'present-stop' });
    if (uplink) {
      // Told, the host drops the edge itself: closing ours first could reach it before our word
      // (a UDP close against a WebSocket message) and read as a failure. Closed here if it does not.
      const link = uplink.link;
      if (link && tellHost) setTimeout(() => link.close(), EDGE_END_GRACE_MS).unref();
      else link?.close();
      uplink.publisher.close();
      // Closing the uplink closes the page's link (the page is told `media-link-closed`).
      background(uplink.relay.close(), log, 'closing the presentation');
    }
    log.info(`presenting ended (${reason})`);
    this.#state = 'none';
    this.changed({ state: 'none', ended: reason });
  }

  #set(state: PresentStatus['state']): void {
    this.#state = state;
    this.changed(this.status());
  }
}
