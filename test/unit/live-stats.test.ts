import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { figures, formatFigures, formatLimit, readRtp } from '../../web-ui/live-stats.js';

const report = (entries: Record<string, unknown>[]) => new Map(entries.map((e, i) => [String(i), e])) as unknown as RTCStatsReport;
const inbound = (o: Record<string, number>) =>
  report([
    { type: 'inbound-rtp', kind: 'video', frameWidth: 1280, frameHeight: 720, framesPerSecond: 29.6, ...o },
    { type: 'inbound-rtp', kind: 'audio', packetsReceived: 500 },
    { type: 'candidate-pair', bytesReceived: 1e9 },
  ]);

test('an inbound sample reads video and counts audio separately', () => {
  const s = readRtp(inbound({ bytesReceived: 1000, packetsReceived: 10, packetsLost: 1, jitterBufferDelay: 0.5, jitterBufferEmittedCount: 10 }), 'inbound-rtp', 0);
  assert.equal(s, { at: 0, bytes: 1000, packets: 10, lost: 1, width: 1280, height: 720, fps: 29.6, bufferDelay: 0.5, bufferEmitted: 10, audioPackets: 500 });
});

test('the camera’s simulcast layers: their bytes add up, the size and frame rate shown are the largest layer’s', () => {
  const layer = (frameWidth: number, frameHeight: number, bytesSent: number) => ({ type: 'outbound-rtp', kind: 'video', frameWidth, frameHeight, framesPerSecond: 30, bytesSent, packetsSent: 10 });
  const s = readRtp(report([layer(1280, 720, 5000), layer(320, 180, 300), layer(640, 360, 1000)]), 'outbound-rtp', 0);
  assert.equal([s.width, s.height, s.bytes, s.packets], [1280, 720, 6300, 30]);
});

test('rates come from two samples: bitrate, loss over the interval, jitter buffer per frame', () => {
  const a = readRtp(inbound({ bytesReceived: 0, packetsReceived: 0, packetsLost: 0, jitterBufferDelay: 0, jitterBufferEmittedCount: 0 }), 'inbound-rtp', 1000);
  const b = readRtp(inbound({ bytesReceived: 250_000, packetsReceived: 990, packetsLost: 10, jitterBufferDelay: 1.2, jitterBufferEmittedCount: 30 }), 'inbound-rtp', 2000);
  const f = figures(a, b);
  assert.equal(f, { width: 1280, height: 720, fps: 30, kbps: 2000, lossPct: 1, bufferMs: 40 });
  assert.is(formatFigures(f, 12), '1280×720 · 30 fps · 2.0 Mbit/s · loss 1.0% · delay to host ≈ 52 ms');
  assert.is(formatFigures(figures(null, b)), '1280×720 · 30 fps · 0 kbit/s', 'nothing to compare yet: no rates, no loss');
  assert.is(formatFigures({ ...f, lossPct: null, bufferMs: null }, null), '1280×720 · 30 fps · 2.0 Mbit/s');
});

test('the instructor’s note names the rate and the student whose link holds the picture', () => {
  assert.is(formatLimit('the camera', { bps: 300_000, name: 'Ada' }), 'The tree holds the camera to 300 kbit/s: the link to Ada takes no more.');
  assert.is(formatLimit('the screen', { bps: 1_240_000, name: 'Bob' }), 'The tree holds the screen to 1.2 Mbit/s: the link to Bob takes no more.');
});

test.run();
