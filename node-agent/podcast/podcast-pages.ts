/**
 * The pages that play this agent's podcast: each gets a loopback BrowserLink
 * (node-agent/media/browser-link.ts, the same link the live class uses) on which the agent offers
 * one sendonly Opus track, mid `podcast`, announced with this agent's podcast SSRC. What the
 * listener's player plays goes to every page link that is open. A link belongs to the page (UI
 * socket) that asked for it and closes with it.
 *
 * Why WebRTC to the page rather than an HTTP stream to an <audio src> (docs/podcast.md): the
 * agent paces the audio itself (pause, resume, seek are the agent's), and a WebRTC receiver plays
 * what arrives with a jitter buffer of a few tens of ms, so "live" is live and "3 s behind" is
 * 3 s; a media element reading an HTTP stream buffers ahead by seconds and stalls when fed in real
 * time, which would blur exactly the positions the listener sees.
 */
import { randomInt } from 'node:crypto';
import { CamvidError } from '../../protocol/errors.js';
import { PAYLOAD_TYPES } from '../../protocol/media.js';
import { BrowserLink, type BrowserLinkCloseReason } from '../media/browser-link.js';
import type { UiSession } from '../ui-server/ui-server.js';

export class PodcastPages {
  /** announced to every page; the listening's Downstream writes it into each packet */
  readonly ssrc = randomInt(1, 2 ** 32 - 1);
  readonly #links = new Map<string, BrowserLink>();
  #next = 1;
  /** counts closeAll(): an open() that sees it change while its offer was made closes its link */
  #closeAlls = 0;

  constructor(private readonly onClosed: (link: string, reason: BrowserLinkCloseReason) => void) {}

  /** Opens a link for `session`'s page; resolves with its id and the offer. */
  async open(session: UiSession): Promise<{ link: string; sdp: string }> {
    const id = `podcast-${this.#next++}`;
    const closeAlls = this.#closeAlls;
    const { link, offer } = await BrowserLink.offer(id, [{ mid: 'podcast', kind: 'audio', codec: 'opus', payloadType: PAYLOAD_TYPES.podcast, ssrc: this.ssrc }]);
    if (this.#closeAlls !== closeAlls) {
      // closeAll() ran while the offer was made: this link was not in #links for it to close.
      link.close();
      throw new CamvidError('CLOSED', 'The podcast closed while its connection was being opened.');
    }
    this.#links.set(id, link);
    const off = session.onClose(() => link.close());
    link.on('closed', (reason) => {
      this.#links.delete(id);
      off();
      this.onClosed(id, reason);
    });
    return { link: id, sdp: offer };
  }

  answer(id: string, sdp: string): void {
    this.#get(id).acceptAnswer(sdp);
  }

  close(id: string): void {
    this.#links.get(id)?.close();
  }

  /** One played packet to every open page (a page not connected yet misses it: it is live audio). */
  send(packet: Buffer): boolean {
    for (const link of this.#links.values()) if (link.isOpen) link.send('podcast', packet);
    return true;
  }

  /** Closes every page link, also those still being opened (each closes as soon as it is made). */
  closeAll(): void {
    this.#closeAlls++;
    for (const link of [...this.#links.values()]) link.close();
  }

  #get(id: string): BrowserLink {
    const link = this.#links.get(id);
    if (!link) throw new CamvidError('CLOSED', 'That podcast connection is already closed.');
    return link;
  }
}
