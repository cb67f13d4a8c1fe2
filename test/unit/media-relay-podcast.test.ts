/**
 * The relay's generalisations for the podcast: source slots (camera and podcast start and stop
 * independently), a tap of accepted packets for the local player, and per-receiver switching of a
 * kind (a child below which nobody listens gets no podcast), all without any network.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Downstream, type MediaSink } from '../../node-agent/media/downstream.js';
import { MediaRelay } from '../../node-agent/media/media-relay.js';
import { PAYLOAD_TYPES, parseRtp, type MediaKind } from '../../protocol/media.js';
import { FakeSource } from '../helpers/fake-source.js';

function opus(seq: number, pt: number = PAYLOAD_TYPES.podcast): Buffer {
  const b = Buffer.alloc(12 + 40, 0x42);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(0xabc, 8);
  return b;
}


function recordingSink(id: string): MediaSink & { got: { kind: MediaKind; seq: number; ts: number }[] } {
  const got: { kind: MediaKind; seq: number; ts: number }[] = [];
  return { id, got, ssrc: () => 0x5555, send: (kind, p) => (got.push({ kind, seq: p.readUInt16BE(2), ts: p.readUInt32BE(4) }), true) };
}


test('a podcast source and a camera source are separate slots: each starts and stops alone, and a slot delivers only its kinds', async () => {
  const relay = new MediaRelay();
  const camera = new FakeSource();
  const podcast = new FakeSource();
  await relay.setSource(camera);
  await relay.setSource(podcast, 'podcast');
  assert.is(relay.source(), camera);
  assert.is(relay.source('podcast'), podcast);
  podcast.deliver!('podcast', opus(1));
  podcast.deliver!('video', opus(2, PAYLOAD_TYPES.video));
  camera.deliver!('audio', opus(3, PAYLOAD_TYPES.audio));
  const s = relay.stats();
  assert.is(s.in.podcast.packets, 1);
  assert.is(s.in.audio.packets, 1);
  assert.is(s.in.video.packets, 0, 'the podcast slot may not deliver video');
  assert.is(s.dropped.unexpected, 1);
  await relay.setSource(null, 'podcast');
  assert.ok(podcast.closed, 'stopping the podcast closes its source');
  assert.not.ok(camera.closed, 'and leaves the camera running');
  assert.is(s.upstream, 'source');
  await relay.close();
  assert.ok(camera.closed);
});

test('the packet tap sees every accepted podcast packet and nothing malformed or of another kind', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src, 'podcast');
  const seen: number[] = [];
  const off = relay.onPacket('podcast', (p, rtp) => seen.push(rtp.seq + 0 * p.length));
  relay.onPacket('podcast', () => {
    throw new Error('a broken listener');
  });
  src.deliver!('podcast', opus(10));
  src.deliver!('podcast', opus(11).subarray(0, 8)); // cut short
  src.deliver!('podcast', opus(12, 97)); // a foreign payload type
  src.deliver!('podcast', opus(13));
  assert.equal(seen, [10, 13]);
  assert.is(relay.stats().dropped.malformed, 1);
  off();
  src.deliver!('podcast', opus(14));
  assert.equal(seen, [10, 13]);
  await relay.close();
});

test('a receiver that does not want the podcast gets none; switched back on, it gets the stream’s own numbers again (a gap, as if lost)', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src, 'podcast');
  const a = recordingSink('local:a');
  const b = recordingSink('local:b');
  relay.addSink(a);
  relay.addSink(b);
  for (let i = 0; i < 3; i++) src.deliver!('podcast', opus(100 + i));
  assert.ok(relay.setKindEnabled('local:b', 'podcast', false));
  assert.not.ok(relay.setKindEnabled('nobody', 'podcast', false), 'an unknown receiver is reported');
  for (let i = 3; i < 10; i++) src.deliver!('podcast', opus(100 + i));
  assert.is(a.got.length, 10);
  assert.is(b.got.length, 3, 'nothing while switched off');
  relay.setKindEnabled('local:b', 'podcast', true);
  src.deliver!('podcast', opus(110));
  const [before, after] = b.got.slice(-2);
  assert.is(after!.seq - before!.seq, 8, 'the seven it was not sent are a gap');
  assert.is(after!.seq, a.got.at(-1)!.seq, 'the same number as its sibling gets: one number per packet at every hop');
  await relay.close();
});

test('Downstream.resync starts a new run: numbering continues even when the new source numbers from far away', () => {
  const sink = recordingSink('x');
  const ds = new Downstream(sink, { keyframeNeeded: () => {}, nackUpstream: () => {} });
  const push = (p: Buffer) => ds.push('podcast', p, parseRtp(p)!, false);
  push(opus(500));
  push(opus(501));
  ds.resync('podcast');
  push(opus(499)); // a new source that happens to number just behind: not a late packet
  assert.equal(sink.got.map((g) => g.seq), [500, 501, 502]);
  ds.close();
});

test.run();
