import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CamvidError } from '../../protocol/errors.js';
import { openDirect } from '../../node-agent/overlay/direct-connect.js';
import type { EdgeTable } from '../../node-agent/overlay/edge-table.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';

type Link = { peerId: string; isOpen: boolean; opts: { kind: 'direct' } };
const link = (peerId: string, isOpen: boolean): Link => ({ peerId, isOpen, opts: { kind: 'direct' } });

/** Edges whose direct links are `links`; `closed` as the real EdgeTable emits it. */
class FakeEdges extends TypedEmitter<{ closed: [link: Link] }> {
  links: Link[] = [];
  directLinks() {
    return this.links;
  }
}

test('an open direct link to the peer is reused without asking for a new one', async () => {
  const edges = new FakeEdges();
  const open = link('bo', true);
  edges.links = [link('bo', false), open];
  let asked = 0;
  const got = await openDirect(edges as unknown as EdgeTable, 'bo', async () => (asked++, open as unknown as PeerLink));
  assert.is(got, open);
  assert.is(asked, 0);
});

test('a link that fails at once (closes before opening) is asked for again, not waited out', async () => {
  const edges = new FakeEdges();
  const good = link('bo', true);
  let asked = 0;
  const t0 = Date.now();
  const got = await openDirect(edges as unknown as EdgeTable, 'bo', () => {
    asked++;
    if (asked === 1) {
      setTimeout(() => edges.emit('closed', link('bo', false)), 5);
      return new Promise<PeerLink>(() => {}); // the real open would wait for its timeout
    }
    return Promise.resolve(good as unknown as PeerLink);
  });
  assert.is(got, good);
  assert.is(asked, 2);
  assert.ok(Date.now() - t0 < 1000);
});

test('after the last attempt the failure is the caller’s; a refusal is not retried', async () => {
  const edges = new FakeEdges();
  let asked = 0;
  const failing = () => (asked++, Promise.reject(Object.assign(new Error('no'), { code: 'TIMEOUT' })));
  const err = await openDirect(edges as unknown as EdgeTable, 'bo', failing, 3).then(() => null, (e: CamvidError) => e);
  assert.is(asked, 3);
  assert.ok(err);
  asked = 0;
  const { CamvidError: E } = await import('../../protocol/errors.js');
  const refused = await openDirect(edges as unknown as EdgeTable, 'bo', () => (asked++, Promise.reject(new E('NOT_IN_ROOM')))).then(() => null, (e: CamvidError) => e);
  assert.is(refused?.code, 'NOT_IN_ROOM');
  assert.is(asked, 1);
});

test.run();
