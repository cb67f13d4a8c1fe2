/**
 * A page opened mid-stream gets the latest picture at once (node-agent/media/gop-cache.ts): the
 * packets since the last key frame, numbers kept, timestamps pulled together so the page shows the
 * newest picture rather than replaying the last second; nothing stale or unbounded is kept; and
 * the relay asks the source for no key frame for a page it could serve from the cache.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GopCache, MAX_AGE_MS, MAX_PACKETS } from '../../node-agent/media/gop-cache.js';
import type { MediaSink } from '../../node-agent/media/downstream.js';
import { MediaRelay } from '../../node-agent/media/media-relay.js';
import { parseRtp, type MediaKind } from '../../protocol/media.js';
import { FakeSource } from '../helpers/fake-source.js';
import { vp8Packet } from '../helpers/rtp-samples.js';

/** A frame of `n` packets at timestamp `ts`, numbered from `seq`. */
function frame(seq: number, ts: number, n: number, key = false): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const p = vp8Packet({ ssrc: 0x99, seq: seq + i, key: key && i === 0, bytes: 200 });
    p.writeUInt32BE(ts, 4);
    return p;
  });
}

test('the packets since the last key frame, numbers kept, each frame a tick before the next and the last as it was', () => {
  const c = new GopCache();
  for (const p of frame(1, 1000, 2)) c.push('video', undefined, p, false, 0);
  assert.is(c.replay('video', undefined, 0), null, 'nothing before a key frame');
  const packets = [...frame(10, 9000, 3, true), ...frame(13, 12000, 2), ...frame(15, 15000, 1)];
  packets.forEach((p, i) => c.push('video', undefined, p, i === 0, 100));
  const out = c.replay('video', undefined, 200)!;
  assert.equal(out.map((x) => x.rtp.seq), [10, 11, 12, 13, 14, 15]);
  assert.equal(out.map((x) => x.rtp.timestamp), [14998, 14998, 14998, 14999, 14999, 15000]);
  assert.equal(out.map((x) => parseRtp(x.packet)!.timestamp), [14998, 14998, 14998, 14999, 14999, 15000], 'written into the packets');
  assert.equal(out.map((x) => x.keyframe), [true, false, false, false, false, false]);
  assert.is(packets[0]!.readUInt32BE(4), 9000, 'what was pushed is not changed');
  assert.is(c.replay('video', undefined, 100 + MAX_AGE_MS + 1), null, 'a picture too old is not replayed');
  assert.is(c.replay('screen', undefined, 200), null, 'per kind');
  assert.is(c.replay('video', 2, 200), null, 'and per layer');
  c.clear('video');
  assert.is(c.replay('video', undefined, 200), null, 'a new source: nothing kept');
});

test('a picture longer than the bound is dropped until the next key frame', () => {
  const c = new GopCache();
  c.push('screen', undefined, frame(0, 0, 1, true)[0]!, true, 0);
  for (let i = 1; i <= MAX_PACKETS; i++) c.push('screen', undefined, frame(i, i * 3000, 1)[0]!, false, 0);
  assert.is(c.replay('screen', undefined, 0), null);
  c.push('screen', undefined, frame(500, 0, 1, true)[0]!, true, 0);
  assert.is(c.replay('screen', undefined, 0)!.length, 1);
});

test('a page opened mid-stream is given the picture at once and no key frame is asked of the source for it', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src);
  try {
    const sent: Buffer[] = [];
    const sink = (id: string): MediaSink => ({ id, ssrc: (k: MediaKind) => (k === 'video' ? 0x1234 : undefined), send: (_k, p) => (sent.push(p), true) });
    const early = relay.addSink(sink('local:early')); // nothing cached yet: a key frame is asked for
    await new Promise((r) => setTimeout(r, 350)); // the relay coalesces requests within 300 ms
    const asked = src.asked.length;
    assert.ok(asked >= 1);
    for (const p of [...frame(10, 9000, 2, true), ...frame(12, 12000, 1)]) src.deliver!('video', p);
    assert.not.ok(early.isWaiting('video'));
    sent.length = 0;
    await new Promise((r) => setTimeout(r, 350));
    const late = relay.addSink(sink('local:late'));
    assert.equal(sent.map((p) => parseRtp(p)!.seq), [10, 11, 12], 'the cached picture, at once');
    assert.not.ok(late.isWaiting('video'), 'it decodes from the first packet');
    await new Promise((r) => setTimeout(r, 350));
    assert.is(src.asked.length, asked, 'no key frame asked of the source for it');
    assert.is(relay.stats().replayed, 1);
    for (const p of frame(13, 15000, 1)) src.deliver!('video', p);
    assert.equal(sent.slice(-2).map((p) => parseRtp(p)!.seq), [13, 13], 'both go on live, the late one’s numbers continuing');
  } finally {
    await relay.close();
  }
});

test.run();
