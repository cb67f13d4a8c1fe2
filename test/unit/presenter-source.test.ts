/**
 * The host's end of a presenting student's edge (node-agent/media/presenter-source.ts): what a
 * modified agent that floods its present edge gets through to the class, and what it cannot send.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MediaKind } from '../../protocol/media.js';
import { PRESENT_BURST_BYTES, PRESENT_RATE_BYTES, PresenterSource } from '../../node-agent/media/presenter-source.js';
import type { PeerLink, PeerLinkEvents } from '../../node-agent/overlay/peer-link.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';

/** The present edge as the source sees it: media in, PLIs out. */
class FakeEdge extends TypedEmitter<Pick<PeerLinkEvents, 'media'>> {
  sent: Buffer[] = [];
  closed = false;
  remoteSsrc = (_kind: MediaKind) => 777;
  sendMedia = (_kind: MediaKind, packet: Buffer) => this.sent.push(packet) > 0;
  close = () => void (this.closed = true);
}

function presenter() {
  const edge = new FakeEdge();
  const source = new PresenterSource(edge as unknown as PeerLink);
  const got: Record<string, number> = {};
  let bytes = 0;
  source.attach((kind, packet) => {
    got[kind] = (got[kind] ?? 0) + 1;
    bytes += packet.length;
  });
  return { edge, source, got, bytes: () => bytes };
}

const PACKET = Buffer.alloc(1200);

test('a flood gets through only its burst at once, then the rate; the rest is dropped and counted', async () => {
  const { edge, source, bytes } = presenter();
  const t0 = performance.now();
  const sent = 4 * PRESENT_BURST_BYTES;
  for (let n = 0; n < sent / PACKET.length; n++) edge.emit('media', 'screen', PACKET);
  const burstEnd = performance.now();
  assert.ok(bytes() <= PRESENT_BURST_BYTES + ((burstEnd - t0) / 1000) * PRESENT_RATE_BYTES + PACKET.length, `burst: ${bytes()} bytes through`);
  assert.ok(bytes() >= PRESENT_BURST_BYTES - PACKET.length, 'the burst itself goes through (a key frame of text)');
  assert.ok(source.dropped > 0);

  // Later packets are let through at the rate, not in a second burst.
  const before = bytes();
  const t1 = performance.now();
  await new Promise((r) => setTimeout(r, 200));
  for (let n = 0; n < PRESENT_BURST_BYTES / PACKET.length; n++) edge.emit('media', 'screen-audio', PACKET);
  const elapsed = (performance.now() - t1) / 1000;
  const through = bytes() - before;
  assert.ok(through <= elapsed * PRESENT_RATE_BYTES + PACKET.length, `${through} bytes in ${elapsed.toFixed(3)} s`);
  assert.ok(through >= 0.15 * PRESENT_RATE_BYTES, `the rate itself goes through: ${through} bytes in ${elapsed.toFixed(3)} s`);
  const emitted = Math.ceil(sent / PACKET.length) + Math.ceil(PRESENT_BURST_BYTES / PACKET.length);
  assert.is(source.dropped + bytes() / PACKET.length, emitted, 'every packet either through or counted');
});

test('only the screen kinds come through; key frame requests go up as PLIs to its SSRC; close closes the edge', () => {
  const { edge, source, got } = presenter();
  for (const kind of ['video', 'audio', 'podcast', 'screen', 'screen-audio'] as MediaKind[]) edge.emit('media', kind, PACKET);
  assert.equal(got, { screen: 1, 'screen-audio': 1 });
  source.requestKeyframe('screen');
  assert.is(edge.sent.length, 1);
  assert.is(edge.sent[0]!.readUInt32BE(8), 777, 'PLI for the presenter’s SSRC');
  source.close();
  assert.ok(edge.closed && source.closed);
  edge.emit('media', 'screen', PACKET);
  assert.equal(got, { screen: 1, 'screen-audio': 1 }, 'nothing after close');
});

test.run();
