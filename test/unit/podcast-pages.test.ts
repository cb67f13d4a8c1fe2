/**
 * PodcastPages, the agent's loopback links to the pages playing the podcast (real BrowserLinks,
 * in-process node-datachannel, no page): `closeAll()` closes every link, also one whose offer was
 * still being made, so none is left to its page's socket or the 8 s connect timer.
 */
import nodeDataChannel from 'node-datachannel';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { BrowserLink } from '../../node-agent/media/browser-link.js';
import { PodcastPages } from '../../node-agent/podcast/podcast-pages.js';
import type { UiSession } from '../../node-agent/ui-server/ui-server.js';

const page = (id: number): UiSession => ({ id, onClose: () => () => {} });

/** Runs `fn` with every BrowserLink that BrowserLink.offer makes recorded. */
async function recordingOffers(fn: (made: BrowserLink[]) => Promise<void>): Promise<void> {
  const made: BrowserLink[] = [];
  const real = BrowserLink.offer;
  BrowserLink.offer = async (...args) => {
    const r = await real.apply(BrowserLink, args);
    made.push(r.link);
    return r;
  };
  try {
    await fn(made);
  } finally {
    BrowserLink.offer = real;
    for (const link of made) link.close();
  }
}

test('closeAll while a page link is being offered: the link is closed as soon as it is made, and the page is told CLOSED', () =>
  recordingOffers(async (made) => {
    const reported: string[] = [];
    const pages = new PodcastPages((link, reason) => reported.push(`${link} ${reason}`));
    const opening = pages.open(page(1));
    pages.closeAll();
    const err = await opening.then(() => null, (e: unknown) => e);
    assert.is(made.length, 1);
    assert.ok(made[0]!.closed, 'closed at once, not left to the page or the 8 s timer');
    assert.instance(err, CamvidError);
    assert.is((err as CamvidError).code, 'CLOSED');
  }));

test('closeAll closes the links already open; a link opened after it is a normal link', () =>
  recordingOffers(async (made) => {
    const reported: string[] = [];
    const pages = new PodcastPages((link, reason) => reported.push(`${link} ${reason}`));
    const { link: first, sdp } = await pages.open(page(1));
    assert.match(sdp, /m=audio/);
    pages.closeAll();
    assert.ok(made[0]!.closed);
    assert.equal(reported, [`${first} closed`]);
    const { link: next } = await pages.open(page(2));
    assert.is(made.length, 2);
    assert.not.ok(made[1]!.closed, 'not closed by the closeAll before it');
    pages.close(next);
    assert.ok(made[1]!.closed);
    assert.equal(reported, [`${first} closed`, `${next} closed`]);
  }));

test.after(() => nodeDataChannel.cleanup());

test.run();
