/**
 * The shared screen in the relay, without any network: its own source slot beside the camera, key
 * frames asked of the screen's source (not the camera's) and per kind, a receiver gets screen video
 * only from a key frame on, and NACKs on the screen's SSRC are answered from the screen's own cache.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RECEIVER_KEYFRAME_MS } from '../../node-agent/media/downstream.js';
import { KEYFRAME_INTERVAL_MS, MediaRelay } from '../../node-agent/media/media-relay.js';
import { PAYLOAD_TYPES, buildNack, buildPli, type MediaKind } from '../../protocol/media.js';
import { vp8Packet } from '../helpers/rtp-samples.js';
import { FakeSource } from '../helpers/fake-source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const vp8 = (seq: number, key: boolean): Buffer => vp8Packet({ ssrc: 0xabc, seq, key, pt: PAYLOAD_TYPES.screen, bytes: 42 });


const SSRC: Record<MediaKind, number> = { video: 0x1001, audio: 0x1002, podcast: 0x1003, screen: 0x1004, 'screen-audio': 0x1005 };

function sink(id: string) {
  const got: { kind: MediaKind; seq: number; rtcp: boolean }[] = [];
  return { id, got, ssrc: (k: MediaKind) => SSRC[k], send: (kind: MediaKind, p: Buffer) => (got.push({ kind, seq: p.readUInt16BE(2), rtcp: p[1]! >= 192 && p[1]! <= 223 }), true) };
}

/** A relay with a camera and a screen source, past the key frame requests their start made. */
async function cameraAndScreen() {
  const relay = new MediaRelay();
  const camera = new FakeSource();
  const screen = new FakeSource();
  await relay.setSource(camera);
  await relay.setSource(screen, 'screen');
  await sleep(KEYFRAME_INTERVAL_MS + 20);
  camera.asked = [];
  screen.asked = [];
  return { relay, camera, screen };
}

test('the screen is its own slot: camera and screen start and stop alone, each delivers only its kinds', async () => {
  const relay = new MediaRelay();
  const camera = new FakeSource();
  const screen = new FakeSource();
  await relay.setSource(camera);
  await relay.setSource(screen, 'screen');
  screen.deliver!('screen', vp8(1, true));
  screen.deliver!('video', vp8(2, true)); // not the screen slot's kind
  const s = relay.stats();
  assert.is(s.in.screen.packets, 1);
  assert.is(s.in.screen.keyframes, 1);
  assert.is(s.in.video.packets, 0);
  assert.is(s.dropped.unexpected, 1);
  assert.ok(s.lastScreenAt !== null);
  assert.is(s.lastVideoAt, null, 'the screen is not the camera: "live" still follows the camera');
  await relay.setSource(null, 'screen');
  assert.ok(screen.closed);
  assert.not.ok(camera.closed);
  await relay.close();
});

test('a receiver gets the screen from a key frame on; its PLI asks the screen source, its NACK is answered from the screen cache', async () => {
  const { relay, camera, screen } = await cameraAndScreen();
  screen.deliver!('screen', vp8(9, false)); // the screen is shared: a join asks for its key frame too
  const s = sink('child');
  const ds = relay.addSink(s);
  await sleep(10);
  assert.equal(screen.asked, ['screen'], 'the join asked the screen source for a screen key frame');
  assert.equal(camera.asked, ['video'], 'and the camera for a camera key frame');
  screen.deliver!('screen', vp8(10, false));
  assert.equal(s.got, [], 'nothing before a key frame');
  screen.deliver!('screen', vp8(11, true));
  screen.deliver!('screen', vp8(12, false));
  assert.equal(s.got.map((g) => g.kind), ['screen', 'screen']);
  const [first, second] = s.got.map((g) => g.seq);

  await sleep(KEYFRAME_INTERVAL_MS + 20);
  screen.asked = [];
  camera.asked = [];
  ds.handleRtcp(buildPli(7, SSRC.screen));
  assert.equal(screen.asked, ['screen']);
  assert.equal(camera.asked, [], 'a screen PLI costs the camera nothing');

  s.got.length = 0;
  ds.handleRtcp(buildNack(7, SSRC.screen, [first!, second!]));
  assert.equal(s.got.map((g) => [g.kind, g.seq]), [['screen', first], ['screen', second]], 'resent from the screen cache');
  ds.handleRtcp(buildNack(7, SSRC.video, [first!]));
  assert.is(s.got.length, 2, 'a camera NACK finds nothing of the screen');
  await relay.close();
});

test('key frame requests are coalesced per kind: a burst of screen PLIs does not delay the camera', async () => {
  const { relay, camera, screen } = await cameraAndScreen();
  for (let i = 0; i < 5; i++) relay.requestKeyframe('screen');
  relay.requestKeyframe('video');
  assert.equal(screen.asked, ['screen']);
  assert.equal(camera.asked, ['video']);
  await sleep(KEYFRAME_INTERVAL_MS + 50);
  assert.equal(screen.asked, ['screen', 'screen'], 'the burst costs one more, at the window’s end');
  await relay.close();
});

test('a student flooding screen PLIs is heard once per RECEIVER_KEYFRAME_MS; another receiver’s request still goes', async () => {
  const relay = new MediaRelay();
  const screen = new FakeSource();
  await relay.setSource(screen, 'screen');
  const ds = relay.addSink(sink('rogue'));
  const other = relay.addSink(sink('classmate'));
  await sleep(KEYFRAME_INTERVAL_MS + 20);
  screen.asked = [];
  const started = performance.now();
  while (performance.now() - started < 1500) {
    ds.handleRtcp(buildPli(7, SSRC.screen));
    await sleep(2);
  }
  await sleep(KEYFRAME_INTERVAL_MS + 20);
  const bound = Math.ceil(1500 / RECEIVER_KEYFRAME_MS);
  assert.ok(screen.asked.length <= bound, `${screen.asked.length} key frames asked (at most ${bound})`);
  assert.ok(ds.counters.keyframeRequests > 100, 'every PLI was counted');
  assert.is(ds.counters.keyframeThrottled, ds.counters.keyframeRequests - screen.asked.length, 'the rest throttled');
  assert.is(relay.stats().keyframeRequests.throttled, ds.counters.keyframeThrottled, 'media-stats says so');
  screen.asked = [];
  other.handleRtcp(buildPli(7, SSRC.screen));
  await sleep(KEYFRAME_INTERVAL_MS + 20);
  assert.equal(screen.asked, ['screen'], 'the classmate’s own request is not held back by the rogue’s');
  await relay.close();
});

test.run();
