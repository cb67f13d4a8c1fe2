/**
 * The instructor's microphone as the podcast: the page offers one sendonly Opus track on a
 * loopback BrowserLink (the live class's, node-agent/media/browser-link.ts), the offer restricted
 * to Opus without transport-cc (protocol/sdp.ts), and a BrowserSource takes its RTP with the
 * payload type rewritten to the tree's. This wrapper hands it to the relay as kind `podcast`
 * rather than `audio`, so it goes into the podcast slot, apart from the live class's microphone.
 * The podcast ends when the link closes (the page stopped, or went away: the link closes with its
 * UI socket). The page meters its own microphone; the agent never decodes it.
 */
import type { MediaKind } from '../../protocol/media.js';
import { restrictOffer } from '../../protocol/sdp.js';
import { BrowserLink } from '../media/browser-link.js';
import { BrowserSource } from '../media/browser-source.js';
import type { UiSession } from '../ui-server/ui-server.js';
import type { PodcastFeed } from './host-podcast.js';

export class PodcastMic implements PodcastFeed {
  readonly title = 'Microphone';
  readonly ended: Promise<void>;

  private constructor(private readonly source: BrowserSource) {
    this.ended = new Promise((resolve) => source.link.on('closed', () => resolve()));
  }

  /** Accepts the page's offer; resolves with the feed and the answer for the page. BAD_MESSAGE for an offer without Opus. */
  static async open(id: string, offer: string, session: UiSession): Promise<{ mic: PodcastMic; answer: string }> {
    const restricted = restrictOffer(offer, { audio: 'opus' });
    const { link, answer } = await BrowserLink.accept(id, restricted.sdp);
    const mic = new PodcastMic(new BrowserSource(link, restricted.media));
    const off = session.onClose(() => link.close());
    link.on('closed', off);
    return { mic, answer };
  }

  get link(): BrowserLink {
    return this.source.link;
  }

  attach(deliver: (kind: MediaKind, packet: Buffer) => void): void {
    this.source.attach((kind, packet) => deliver(kind === 'audio' ? 'podcast' : kind, packet));
  }

  requestKeyframe(): void {}

  close(): void {
    this.source.close();
  }
}
