/**
 * When a ChunkRelay asks its parent again, and when it gives up (found by the soak: downloads
 * failed after 3 minutes on a busy but healthy lossy link). Against a fake edge table and cache,
 * with the retry period shortened to 40 ms: only a parent that stays silent costs tries; a parent
 * busy sending other chunks, or having no parent at all, only makes a request wait.
 */
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChunkRelay } from '../../node-agent/files/chunk-relay.js';
import type { EdgeTableEvents } from '../../node-agent/overlay/edge-table.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';
import { encodeChunk } from '../../protocol/files.js';
import type { CtlMessage } from '../../protocol/ctl.js';

const RETRY_MS = 40;
/** MAX_TRIES in chunk-relay.ts: silent periods before a chunk fails */
const MAX_TRIES = 6;
const FILE = 'ab'.repeat(32);
const data = (i: number) => Buffer.alloc(1000, i);
const hash = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeEdges extends TypedEmitter<EdgeTableEvents> {
  parent: PeerLink | null = null;
  readonly asked: number[] = [];

  plugParent(): PeerLink {
    const link = { peerId: 'p'.repeat(16), sendCtl: (m: CtlMessage) => m.type === 'chunk-get' && this.asked.push(m.index) } as unknown as PeerLink;
    this.parent = link;
    this.emit('open', link);
    return link;
  }

  send(index: number): void {
    this.emit('bulk', this.parent!, encodeChunk(FILE, index, data(index)));
  }
}

const cache = { get: async () => null, put: async () => {} };
const test = suite('chunk relay: asking again and giving up');
let edges: FakeEdges;
let relay: ChunkRelay;
let keepAlive: NodeJS.Timeout; // the relay's timers are unref'd: they alone would let uvu exit
test.before.each(() => {
  edges = new FakeEdges();
  relay = new ChunkRelay(edges as never, null, cache as never, { retryMs: RETRY_MS });
  keepAlive = setInterval(() => {}, 1000);
});
test.after.each(() => {
  relay.close();
  clearInterval(keepAlive);
});

/** Settles to 'ok', or the error code. */
const outcome = (p: Promise<Buffer>) => p.then(() => 'ok', (e: { code: string }) => e.code);

test('a request queued behind others at a parent that keeps sending is neither asked again nor failed', async () => {
  edges.plugParent();
  const slow = outcome(relay.fetch(FILE, 0, hash(data(0)), 'f'));
  const others = Array.from({ length: 20 }, (_, i) => relay.fetch(FILE, i + 1, hash(data(i + 1)), 'f'));
  await sleep(0);
  for (let i = 1; i <= 20; i++) {
    await sleep(RETRY_MS / 2);
    edges.send(i); // the parent works through the others: 20 × 20 ms, far beyond MAX_TRIES periods
  }
  await Promise.all(others);
  edges.send(0);
  assert.is(await slow, 'ok');
  assert.is(edges.asked.filter((i) => i === 0).length, 1, 'chunk 0 was asked for once');
});

test('with no parent a request waits for as long as it takes, and the new parent is asked when it opens', async () => {
  const waiting = outcome(relay.fetch(FILE, 3, hash(data(3)), 'f'));
  await sleep(RETRY_MS * (MAX_TRIES + 3));
  assert.equal(edges.asked, [], 'nobody to ask');
  edges.plugParent();
  assert.equal(edges.asked, [3]);
  edges.send(3);
  assert.is(await waiting, 'ok');
});

test('a parent that stays silent is asked again each period, and after MAX_TRIES the chunk fails with TIMEOUT', async () => {
  edges.plugParent();
  const result = await outcome(relay.fetch(FILE, 7, hash(data(7)), 'f'));
  assert.is(result, 'TIMEOUT');
  assert.is(edges.asked.length, 1 + MAX_TRIES, 'the first ask and one per silent period');
});

test('a new parent gets every pending request at once, without it counting as a try', async () => {
  edges.plugParent();
  const a = outcome(relay.fetch(FILE, 1, hash(data(1)), 'f'));
  const b = outcome(relay.fetch(FILE, 2, hash(data(2)), 'f'));
  await sleep(0); // fetch looks in the cache first
  for (let i = 0; i < MAX_TRIES + 2; i++) edges.plugParent(); // flapping parents
  assert.is(edges.asked.length, 2 * (MAX_TRIES + 3));
  edges.send(1);
  edges.send(2);
  assert.equal([await a, await b], ['ok', 'ok']);
});

test.run();
